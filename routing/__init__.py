"""Routing a case to the nearest suitable mediation organization (design.md), pure Python.

directory.py holds the organizations in memory with a spatial index; policy.py decides, step
by step, with reasons; generate.py builds a realistic directory from the gazetteer.
"""
