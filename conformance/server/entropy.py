"""Estimating how guessable codes and tokens are from a handful of samples (S14, S52).

Method, for n samples of one kind (n = options.entropy_samples, 16 by default):
1. Any two samples equal: fail outright.
2. Signed JWTs (three base64url parts, a header with an "alg" other than "none") are not
   guessed but forged, which needs the key: judged unguessable, and said so.
3. Otherwise each sample is cut at "." into segments (prefix.random.signature shapes). In each
   segment, a character position is *variable* if the samples do not all agree there. Its
   alphabet is the smallest usual one holding every character seen at variable positions
   (digits 10, hex 16, base32 32, alphanumeric 62, base64/base64url 64, else the count seen).
   The segment's capacity is variable positions x log2(alphabet).
4. Uniformity: with n random draws from an alphabet of A, a position shows about
   A(1 - (1 - 1/A)^n) distinct characters. When the mean seen is under 60 % of that, the
   characters are skewed and the capacity is scaled down by the ratio.
5. The estimate is the best single segment's, since other segments may be derived from it
   (a signature adds length, not unpredictability).
It is an upper bound in one way: a counter run through a hash looks random from outside.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import string
from dataclasses import dataclass

_ALPHABETS = (
    (frozenset(string.digits), 10),
    (frozenset("0123456789abcdef"), 16),
    (frozenset("0123456789ABCDEF"), 16),
    (frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567="), 32),
    (frozenset(string.ascii_letters + string.digits), 62),
    (frozenset(string.ascii_letters + string.digits + "-_="), 64),
    (frozenset(string.ascii_letters + string.digits + "+/="), 64),
)
SKEW_THRESHOLD = 0.6


@dataclass(frozen=True)
class Estimate:
    bits: float
    explanation: str
    duplicates: bool = False
    signed_jwt: bool = False


def alphabet_size(characters: set[str]) -> int:
    for alphabet, size in _ALPHABETS:
        if characters <= alphabet:
            return size
    return max(len(characters), 2)


def jwt_algorithm(sample: str) -> str | None:
    """The "alg" of a compact JWS, or None if the sample is not one."""
    parts = sample.split(".")
    if len(parts) != 3:
        return None
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (binascii.Error, ValueError):
        return None
    algorithm = header.get("alg") if isinstance(header, dict) else None
    return algorithm if isinstance(algorithm, str) else None


def _segment_bits(values: list[str]) -> tuple[float, str]:
    length = min(len(value) for value in values)
    variable = [i for i in range(length) if len({value[i] for value in values}) > 1]
    if not variable:
        return 0.0, "no position varies"
    seen = {value[i] for value in values for i in variable}
    size = alphabet_size(seen)
    bits = len(variable) * math.log2(size)
    n = len(values)
    expected = size * (1 - (1 - 1 / size) ** n)
    observed = sum(len({value[i] for value in values}) for i in variable) / len(variable)
    ratio = min(observed / expected, 1.0)
    text = f"{len(variable)} varying positions x log2({size})"
    if ratio < SKEW_THRESHOLD:
        bits *= ratio
        text += f", skewed (diversity {ratio:.0%}, scaled down)"
    return bits, text


def estimate(samples: list[str]) -> Estimate:
    if len(set(samples)) < len(samples):
        return Estimate(0.0, "two samples are identical", duplicates=True)
    algorithms = {jwt_algorithm(sample) for sample in samples}
    if (
        len(algorithms) == 1
        and None not in algorithms
        and "none" not in {str(a).lower() for a in algorithms}
    ):
        return Estimate(
            math.inf,
            f"signed JWTs (alg {algorithms.pop()}): guessing one means forging its signature",
            signed_jwt=True,
        )
    split = [sample.split(".") for sample in samples]
    if len({len(parts) for parts in split}) != 1:
        split = [[sample] for sample in samples]
    best, best_text = 0.0, ""
    for index in range(len(split[0])):
        bits, text = _segment_bits([parts[index] for parts in split])
        if bits > best:
            best, best_text = bits, f"segment {index + 1}: {text}"
    return Estimate(best, f"~{best:.0f} bits ({best_text}; {len(samples)} samples)")
