#!/usr/bin/python3
"""scikit-learn's side of the PolynomialFit comparison: the 'Underfitting vs. Overfitting' example's pipeline
(PolynomialFeatures(degree, include_bias=False) + LinearRegression) scored by 10-fold cross-validated MSE on the
same samples.csv the C# example reads. cv=10 on a regressor is KFold(10) without shuffling: contiguous folds of the
x-sorted samples, which the C# side uses too.
Usage: sklearn_cv.py samples.csv [degree ...]   prints one line per degree: 'sklearn degree=D cv_mse=M'"""
import sys
import numpy as np
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PolynomialFeatures

data = np.loadtxt(sys.argv[1], delimiter=",", comments="#", skiprows=3)
X, y = data[:, 0], data[:, 1]
for degree in [int(d) for d in sys.argv[2:]] or [1, 4, 15]:
    pipeline = Pipeline([("polynomial_features", PolynomialFeatures(degree=degree, include_bias=False)),
                         ("linear_regression", LinearRegression())])
    scores = cross_val_score(pipeline, X[:, np.newaxis], y, scoring="neg_mean_squared_error", cv=10)
    print(f"sklearn degree={degree} cv_mse={-scores.mean():.6g} std={scores.std():.3g}")
