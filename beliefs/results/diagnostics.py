"""The convergence thresholds that a sampled step must pass, stated once for the sampler, the
command line, the plots and the report (Vehtari et al. 2021: R-hat <= 1.01, ESS >= 400)."""

MAX_RHAT = 1.01
MIN_ESS = 400
THRESHOLDS_TEXT = f"R-hat <= {MAX_RHAT}, ESS >= {MIN_ESS}, no divergences"
