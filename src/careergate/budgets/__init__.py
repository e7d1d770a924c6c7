"""Budgets that cannot be overrun: reserve the worst case first, settle the real cost after."""

from careergate.budgets.ledger import Budget, BudgetLedger, Reservation

__all__ = ["Budget", "BudgetLedger", "Reservation"]
