"""Airflow provider for smelter: the ``smelter`` connection type, SmelterOperator and its trigger and link."""

__version__ = "0.1.0"
