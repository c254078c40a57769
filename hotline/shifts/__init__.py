"""Shifts (班次): the shift plan and the handover between shift leads (SPEC.md S1, C7)."""
