"""The standards an integration office is judged by, in one place.

Every default that says "enough" (the planner's targets, a sweep's robustness targets,
the offered-load staffing, the band drawn on caseload figures) reads them from here, so
that the command line, the API, the app and the figures cannot drift apart.
"""

from __future__ import annotations

# Cases per caseworker the Danish social workers' union (Dansk Socialrådgiverforening)
# recommends for integration casework: the band drawn on figures, and its top the limit.
CASELOAD_BAND: tuple[float, float] = (35.0, 45.0)
CASELOAD_LIMIT = CASELOAD_BAND[1]
BAND_TEXT = f"{CASELOAD_BAND[0]:g}–{CASELOAD_BAND[1]:g}"  # as the texts say it: "35–45"
# The least share of statutory tasks due that should be done by their deadline (a
# planner's target, a judgement: the law asks for all of them).
ON_TIME = 0.95
# The probability with which a plan must meet its targets (in simulated futures).
CONFIDENCE = 0.9
