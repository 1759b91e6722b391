"""Decontamination against HumanEval, MBPP and compiled benchmark prompts, with evidence for every drop."""

from stages.decont.benchmarks import BenchmarkSources, BenchmarkText, load_texts
from stages.decont.core import Decontaminator, DecontConfig, DecontReport, Evidence

__all__ = [
    "BenchmarkSources",
    "BenchmarkText",
    "DecontConfig",
    "DecontReport",
    "Decontaminator",
    "Evidence",
    "load_texts",
]
