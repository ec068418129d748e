"""Code that rebuilds the shipped models from ``../shared``. The pipeline never imports it;
the command line reads only the list of steps (``__main__.STEPS``)."""
