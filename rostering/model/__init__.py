"""CP-SAT model of the roster: a variable container, one module per rule
family (each returns its named penalty terms) and the builder that composes
them. The only place besides `rostering.solve` that imports OR-Tools."""

from rostering.model.builder import RosterModel

__all__ = ["RosterModel"]
