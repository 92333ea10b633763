"""Synthetic P3KE and DTSEN data for Kabupaten Probolinggo, with ground truth of injected defects.

Pure Python + numpy + Polars (no Django). See `generator` for the data, `defects` for the
defects and their truth, `linkage` (and `variants`) for the same people in several linked
sources with the truth of who is who, `writer` for the files.
"""

from tepat.synth.defects import DEFECTS, DefectRates
from tepat.synth.generator import SynthData, generate
from tepat.synth.linkage import LinkageRates, LinkedData, generate_linked
from tepat.synth.variants import VariantRates
from tepat.synth.writer import write, write_linked

__all__ = [
    "DEFECTS",
    "DefectRates",
    "LinkageRates",
    "LinkedData",
    "SynthData",
    "VariantRates",
    "generate",
    "generate_linked",
    "write",
    "write_linked",
]
