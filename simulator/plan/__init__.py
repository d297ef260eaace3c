"""Staffing plans: how many caseworkers a municipality needs, and from when.

`offered_load` is the instant answer: the expected open caseload and its spread from
a scenario alone, by the infinite-server (M_t/G/∞) formula, in milliseconds and without
simulating. It is the planner's starting point and an oracle for the simulator.
"""
