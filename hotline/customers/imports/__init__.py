"""Import of the billing system's files (format: docs/billing-import.md)."""
