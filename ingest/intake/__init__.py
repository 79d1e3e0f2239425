"""Institutional intake: implementation plans and yearly indicator submissions."""
