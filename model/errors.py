"""The error families the core raises; the HTTP layer and the CLI map each to a code."""

from __future__ import annotations


class ClaimRiskError(Exception):
    """Base of every error claimrisk raises on purpose."""


class DataError(ClaimRiskError):
    """A training or evaluation record breaks the labeling schema or cannot be read."""


class ArtifactError(ClaimRiskError):
    """A model artifact is missing, corrupt, tampered with or built by other library versions."""


class InputError(ClaimRiskError):
    """A document sent for classification cannot be classified (wrong format, too long, empty)."""
