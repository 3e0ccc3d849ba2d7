"""Case records: every routed event as a case with its lifecycle, deadline and actors."""
