"""Synthetic P3KE and DTSEN data for Kabupaten Probolinggo, with ground truth of injected defects.

Pure Python + numpy + Polars (no Django). See `generator` for the data, `defects` for the
defects and their truth, `writer` for the files.
"""

from tepat.synth.defects import DEFECTS, DefectRates
from tepat.synth.generator import SynthData, generate
from tepat.synth.writer import write

__all__ = ["DEFECTS", "DefectRates", "SynthData", "generate", "write"]
