"""Global sensitivity analysis: Sobol' indices of the course outcomes (``epiturn sensitivity``).

A sensitivity file names a base run, the factors varied (skin parameters over their
spreads in ``models.SKIN_PARAMETERS``, session settings over the device's hardware
ranges) and the design size; :func:`sensitivity` runs the Saltelli design in vmapped
batches (one spin-up per distinct skin vector), takes autodiff gradients at some of its
points, and returns the first-order and total Sobol' indices with bootstrap intervals,
the derivative-based bounds and the outcome bands as a CF dataset (docs/sensitivity.md).

One concern per private module: ``_space`` (factors and ranges), ``_config`` (the
file), ``_sampling`` (the Saltelli design), ``_batching`` (fixed-size batches),
``_outcomes`` (the outcomes in JAX), ``_model`` (the model as a function of the
factors: spin-up, run, outcomes, gradients), ``_analysis`` (the indices), ``_dataset``,
``_figure``, ``_run`` (the pipeline).
"""

from experiments.sensitivity._analysis import QUANTILES, Indices, analyse
from experiments.sensitivity._batching import in_batches
from experiments.sensitivity._config import SENSITIVITY_KEYS, SensitivityConfig, load_sensitivity_config
from experiments.sensitivity._dataset import indices_dataset
from experiments.sensitivity._figure import indices_figure
from experiments.sensitivity._model import ModelProblem
from experiments.sensitivity._outcomes import HEADLINE_OUTCOMES, ROUGHNESS_OUTCOMES, OutcomeGrid, course_outcomes
from experiments.sensitivity._run import batched, global_sensitivity, sensitivity
from experiments.sensitivity._sampling import base_rows, saltelli_sample
from experiments.sensitivity._space import DEFAULT_FACTORS, Factor, build_factors

__all__ = ["DEFAULT_FACTORS", "Factor", "HEADLINE_OUTCOMES", "Indices", "ModelProblem", "OutcomeGrid", "QUANTILES",
           "ROUGHNESS_OUTCOMES", "SENSITIVITY_KEYS", "SensitivityConfig", "analyse", "base_rows", "batched",
           "build_factors", "course_outcomes", "global_sensitivity", "in_batches", "indices_dataset", "indices_figure",
           "load_sensitivity_config", "saltelli_sample", "sensitivity"]
