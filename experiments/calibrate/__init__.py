"""Calibration of skin parameters to measured time courses (``epiturn calibrate``).

A calibration file names a base run and the skin parameters to fit; a data file (CSV or
NetCDF) holds measured time courses of output variables. :func:`calibrate` fits the
parameters by weighted least squares through the differentiable model (optimistix
Levenberg-Marquardt or BFGS, bounds by a logistic transformation onto each parameter's
range, several starts), reports their Laplace standard errors, correlations and whether
the data determine them, and writes a skin profile that ``epiturn run`` loads, with the
record of the fit in its ``calibration:`` block (docs/calibrate.md).

One concern per private module: ``_config`` (the file), ``_data`` (the data file),
``_model`` (the model at the data points), ``_fit`` (optimiser, Laplace,
identifiability), ``_profile`` (the profile, residuals and figure), ``_run`` (the pipeline).
"""

from experiments.calibrate._config import CALIBRATION_KEYS, METHODS, CalibrationConfig, load_calibration_config
from experiments.calibrate._data import SERIES_VARIABLES, Observations, load_observations
from experiments.calibrate._fit import CORRELATION_LIMIT, EIGEN_RTOL, Fit, Laplace, fit, laplace
from experiments.calibrate._model import SeriesProblem
from experiments.calibrate._run import IDENTIFIABILITY_RULE, CalibrationResult, calibrate

__all__ = ["CALIBRATION_KEYS", "CORRELATION_LIMIT", "CalibrationConfig", "CalibrationResult", "EIGEN_RTOL", "Fit",
           "IDENTIFIABILITY_RULE", "Laplace", "METHODS", "Observations", "SERIES_VARIABLES", "SeriesProblem", "calibrate",
           "fit", "laplace", "load_calibration_config", "load_observations"]
