"""Shared domain code of the Viewcount Lambdas: plain functions, no Lambda events."""
