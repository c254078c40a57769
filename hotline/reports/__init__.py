"""Supervision: the live board, period reports with their export, and staffing (Erlang C) (C9, C10)."""
