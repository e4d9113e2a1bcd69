"""Viewcount on one machine: the real handlers against an emulated API Gateway and moto."""
