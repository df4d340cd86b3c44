"""Both fitted heads folded into one weight matrix, so scoring a document is one sparse product.

scikit-learn's `predict_proba` on a calibrated SVM and on a one-vs-rest
classifier validates its input and loops over ten small estimators on every
call; for one 800-word article that overhead costs more than the arithmetic.
`LinearHeads` holds the same numbers (SVM coefficients, sigmoid calibration,
logistic-regression coefficients) and reproduces `predict_proba` exactly; a
test checks it against scikit-learn on every fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV
from sklearn.multiclass import OneVsRestClassifier


@dataclass(frozen=True)
class LinearHeads:
    weights: np.ndarray  # (n_features, n_levels + n_categories)
    bias: np.ndarray  # (n_levels + n_categories,)
    calibration_a: np.ndarray  # (n_levels,)
    calibration_b: np.ndarray  # (n_levels,)
    n_levels: int

    def scores(self, features) -> tuple[np.ndarray, np.ndarray]:
        """(level probabilities in the SVM's class order, category probabilities)."""
        raw = np.asarray(features @ self.weights) + self.bias
        return self.calibrate(raw[:, : self.n_levels]), expit(raw[:, self.n_levels :])

    def calibrate(self, decision: np.ndarray) -> np.ndarray:
        """SVM decision values to calibrated level probabilities (sigmoid per class, then normalised)."""
        levels = expit(-(self.calibration_a * decision + self.calibration_b))
        total = levels.sum(axis=1, keepdims=True)
        levels = np.divide(levels, total, out=np.full_like(levels, 1 / self.n_levels), where=total != 0)
        return np.minimum(levels, 1.0)


def fold_heads(level_head: CalibratedClassifierCV, category_head: OneVsRestClassifier) -> LinearHeads | None:
    """The folded heads, or None when a head is not of the linear, sigmoid-calibrated, multi-class kind."""
    if level_head.method != "sigmoid" or len(level_head.calibrated_classifiers_) != 1:
        return None
    calibrated = level_head.calibrated_classifiers_[0]
    svm = calibrated.estimator
    if len(level_head.classes_) < 3 or not hasattr(svm, "coef_") or svm.coef_.shape[0] != len(level_head.classes_):
        return None
    if not all(hasattr(e, "coef_") for e in category_head.estimators_):
        return None
    weights = np.vstack([svm.coef_, *(e.coef_ for e in category_head.estimators_)]).T.astype(np.float64)
    bias = np.concatenate([svm.intercept_, *(e.intercept_ for e in category_head.estimators_)])
    return LinearHeads(
        weights=np.ascontiguousarray(weights),
        bias=bias,
        calibration_a=np.array([c.a_ for c in calibrated.calibrators]),
        calibration_b=np.array([c.b_ for c in calibrated.calibrators]),
        n_levels=len(level_head.classes_),
    )
