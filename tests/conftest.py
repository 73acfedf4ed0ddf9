"""Test-suite set-up: 64-bit floats, as every entry point of epiturn enables them.

``import sim`` / ``import models`` leave ``jax_enable_x64`` alone; a process enables it
where it starts. The tests check conservation to round-off, which needs float64.
"""

import jax

jax.config.update("jax_enable_x64", True)
