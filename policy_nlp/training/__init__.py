"""Code that rebuilds the shipped models from ``../shared``. Never imported at run time."""
