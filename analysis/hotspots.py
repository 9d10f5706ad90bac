"""Local hotspot statistics: Getis-Ord Gi* and local Moran's I, FDR-corrected.

The numbers are esda's (``esda.G_Local(star=True)`` and ``esda.Moran_Local``, same z, I,
quadrants and pseudo p-values for the same seed), computed faster for repeated use:

- :func:`prepare_weights` does the per-weights work once (the Gi* self-weights esda derives, the
  sparse rows and each region's neighbour weights), so a page that recomputes for every period
  or filter pays it once per weights, not per call;
- the conditional permutations run over all regions of the same cardinality at once instead of
  one Python iteration per region, with the same random draws as ``esda.crand`` and the same
  floating-point products (where the regions share their weights, as contiguity rows of one
  cardinality do, each of the few forms a row of draws can take is computed once), so every
  comparison with the observed statistic — ties included — comes out as in esda;
- :func:`gi_star_periods` does several periods in one call (the emerging hot spot patterns).

The result is a frozen dataclass with named arrays plus the Indonesian class labels the pages show.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from esda.crand import vec_permutations
from libpysal.weights import W
from scipy import sparse
from scipy.stats import false_discovery_control

__all__ = ["GI_CLASSES", "LISA_CLASSES", "GiStar", "LocalMoran", "LocalWeights", "gi_star", "gi_star_periods",
           "local_moran", "prepare_weights"]

_LEVELS = ((0.01, "99%"), (0.05, "95%"), (0.10, "90%"))
_QUADRANTS = {1: "Tinggi-Tinggi", 2: "Rendah-Tinggi", 3: "Rendah-Rendah", 4: "Tinggi-Rendah"}
#: Every class a result can carry, in legend order (cold → hot): the one home of their names, so a
#: legend can never miss a class and leave regions grey.
GI_CLASSES = ("Tidak signifikan", *(f"Titik dingin {label}" for _, label in _LEVELS),
              *(f"Titik panas {label}" for _, label in reversed(_LEVELS)))
LISA_CLASSES = ("Tidak signifikan", _QUADRANTS[1], _QUADRANTS[3], _QUADRANTS[4], _QUADRANTS[2])
#: Float64 values per block of regions in the permutation step (~2 MB: stays in cache, twice as fast as 32 MB).
_BLOCK_VALUES = 250_000


@dataclass(frozen=True)
class GiStar:
    """Gi* per region: z-score, pseudo p-value, FDR-adjusted p and the class label."""

    z: np.ndarray
    p_sim: np.ndarray
    p_fdr: np.ndarray
    kelas: np.ndarray


@dataclass(frozen=True)
class LocalMoran:
    """Local Moran's I per region: I, quadrant, pseudo p, FDR-adjusted p and the cluster label."""

    Is: np.ndarray
    q: np.ndarray
    p_sim: np.ndarray
    p_fdr: np.ndarray
    kelas: np.ndarray


@dataclass(frozen=True)
class _Rows:
    """One weights matrix as esda's permutation engine reads it."""

    matrix: sparse.csr_matrix  # all weights, self-weights included (for the observed statistic)
    self_weight: np.ndarray  # (n,)
    cardinality: np.ndarray  # (n,) neighbours other than the region itself
    indptr: np.ndarray  # into ``weights``
    weights: np.ndarray  # neighbour weights without the self-weight, row after row


@dataclass(frozen=True, eq=False)
class LocalWeights:
    """Row-standardised weights prepared once for many local statistics.

    Build with :func:`prepare_weights`; pass it wherever a ``W`` is accepted. Read-only, so one
    instance can be shared between sessions.
    """

    n: int
    moran: _Rows
    star: _Rows


def prepare_weights(w: W) -> LocalWeights:
    """Prepare ``w`` (binary or row-standardised contiguity) for :func:`gi_star` and :func:`local_moran`.

    The input is not changed. Gi*'s weights add each region itself with its row's largest weight
    and are row-standardised again, as ``esda.G_Local(star=True)`` does.
    """
    w = _copy_weights(w)
    w.transform = "r"
    return LocalWeights(n=w.n, moran=_rows(w.sparse), star=_rows(_star_matrix(w.sparse)))


def _copy_weights(w: W) -> W:
    # esda and libpysal set ``transform`` on the object they are given (which also drops its
    # cached matrices): work on a private copy so a shared W is never touched. The copy starts
    # from the original weights, so its row-standardised weights are bit for bit the input's.
    ids = list(w.id_order)
    original = w.transformations.get("O", w.weights)
    return W({i: list(w.neighbors[i]) for i in ids}, {i: list(original[i]) for i in ids},
             id_order=ids, silence_warnings=True)


def _star_matrix(matrix) -> sparse.csr_matrix:
    """The weights ``esda.G_Local(star=True)`` builds from row-standardised ones, operation for operation.

    esda puts each row's largest weight on the diagonal (``libpysal.weights.fill_diagonal``,
    through a LIL matrix: columns sorted, a zero not stored) and row-standardises again
    (libpysal's ``transform = "R"``: each weight divided by the row's sum, added left to right in
    column order). Done here on arrays instead of through two ``W`` objects, bit for bit the same.
    """
    matrix = sparse.csr_matrix(matrix)
    if (matrix.diagonal() != 0).any():
        return matrix  # weights that carry self-weights already are used as they are, as esda does
    n = matrix.shape[0]
    rows = np.repeat(np.arange(n), np.diff(matrix.indptr))
    largest = np.asarray(matrix.max(axis=1).todense()).ravel()
    diagonal = np.flatnonzero(largest != 0)
    row = np.concatenate([rows, diagonal])
    col = np.concatenate([matrix.indices, diagonal])
    value = np.concatenate([matrix.data, largest[diagonal]]).astype(float)
    order = np.lexsort((col, row))
    row, col, value = row[order], col[order], value[order]
    counts = np.bincount(row, minlength=n)
    width = max(int(counts.max()), 1)
    row_values = np.zeros((n, width))
    row_values[np.arange(width) < counts[:, None]] = value
    sums = np.cumsum(row_values, axis=1)[np.arange(n), np.maximum(counts - 1, 0)]  # left to right
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return sparse.csr_matrix((value / sums[row], col, indptr), shape=matrix.shape)


def _rows(matrix) -> _Rows:
    matrix = sparse.csr_matrix(matrix, copy=True)
    others = matrix.copy()
    self_weight = others.diagonal()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # changing the sparsity of the diagonal: small, once
        others.setdiag(0)
    others.eliminate_zeros()
    return _Rows(matrix=matrix, self_weight=self_weight, cardinality=np.diff(others.indptr),
                 indptr=others.indptr.copy(), weights=others.data.astype(float))


def _prepared(w) -> LocalWeights:
    return w if isinstance(w, LocalWeights) else prepare_weights(w)


def _fdr(p: np.ndarray) -> np.ndarray:
    return false_discovery_control(np.clip(p, 1e-12, 1.0), method="bh")


def gi_star(values, w, *, permutations: int = 999, seed: int = 12345, fdr: bool = True) -> GiStar:
    """Getis-Ord Gi* (the region itself included) with permutation inference.

    Parameters
    ----------
    values : array_like
        One value per region, in the order of ``w``.
    w : libpysal.weights.W or LocalWeights
        Contiguity weights; prepare them once with :func:`prepare_weights` when computing often.
    permutations : int
        Conditional permutations per region. A permutation p-value is at least
        ``1 / (permutations + 1)``: with FDR over hundreds of regions use 999 or more.
    seed : int
        Seed of the permutations (esda's draws for the same seed).
    fdr : bool
        Adjust the p-values with Benjamini-Hochberg.

    Returns
    -------
    GiStar
        Classes ``Titik panas 99%/95%/90%``, ``Titik dingin …`` or ``Tidak signifikan``, from
        the (adjusted) p-value and the sign of z.
    """
    prepared = _prepared(w)
    y = _check_values(values, prepared.n)
    result = gi_star_periods(y[:, None], prepared, permutations=permutations, seed=seed, fdr=fdr)
    return GiStar(z=result.z[:, 0], p_sim=result.p_sim[:, 0], p_fdr=result.p_fdr[:, 0], kelas=result.kelas[:, 0])


def gi_star_periods(values, w, *, permutations: int = 999, seed: int = 12345, fdr: bool = True) -> GiStar:
    """Gi* of several periods at once: :func:`gi_star` of every column of ``values``.

    ``values`` has shape ``(regions, periods)``; every field of the result has that shape and
    the FDR adjustment is done per period. The permutation draws are shared, as they are
    between separate calls with the same seed, so each column equals :func:`gi_star` of it.
    """
    prepared = _prepared(w)
    y = np.asarray(values, dtype=float)
    if y.ndim != 2:
        raise ValueError(f"nilai harus berbentuk (wilayah, periode), didapat {y.shape}")
    _check_values(y[:, 0] if y.shape[1] else np.empty(0), prepared.n)
    total = y.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):  # no incident at all: z is NaN, nothing significant
        g, z = _g_star(y, prepared.star.matrix)
        p_sim = _pseudo_p(y, g, prepared.star, permutations, seed,
                          lambda s, zi, sw, col: (s + sw * zi) / total[col])
    p_sim = p_sim.astype(np.float32)  # as esda returns it
    p = np.column_stack([_fdr(col) for col in p_sim.T]) if fdr else p_sim
    kelas = np.full(y.shape, "Tidak signifikan", dtype=object)
    for alpha, label in reversed(_LEVELS):
        sig = p <= alpha
        kelas[sig & (z > 0)] = f"Titik panas {label}"
        kelas[sig & (z < 0)] = f"Titik dingin {label}"
    return GiStar(z=z, p_sim=p_sim, p_fdr=p, kelas=kelas)


def local_moran(values, w, *, permutations: int = 999, seed: int = 12345, alpha: float = 0.05,
                fdr: bool = True) -> LocalMoran:
    """Local Moran's I; significant regions are labelled by quadrant (Tinggi-Tinggi = cluster).

    Parameters are those of :func:`gi_star`; ``alpha`` is the significance of a cluster.
    """
    prepared = _prepared(w)
    y = _check_values(values, prepared.n)
    with np.errstate(all="ignore"):  # constant values: I is NaN, nothing significant
        z = (y - y.mean()) / y.std()
        lag = prepared.moran.matrix @ z
        local = (prepared.n - 1) * z * lag / (z * z).sum()
        scaling = (prepared.n - 1) / (z * z).sum()
        p_sim = _pseudo_p(z[:, None], local[:, None], prepared.moran, permutations, seed,
                          lambda s, zi, sw, col: zi * (s + sw * zi) * scaling)[:, 0]
    q = _quadrants(z, lag)
    p = _fdr(p_sim) if fdr else p_sim
    significant = (p <= alpha) & np.isfinite(local)  # constant values: no cluster, whatever p says
    kelas = np.where(significant, [_QUADRANTS.get(int(k), "") for k in q], "Tidak signifikan").astype(object)
    return LocalMoran(Is=local, q=q, p_sim=p_sim, p_fdr=p, kelas=kelas)


def _check_values(values, n: int) -> np.ndarray:
    y = np.asarray(values, dtype=float).ravel()
    if len(y) != n:
        raise ValueError(f"jumlah nilai ({len(y)}) tidak sama dengan jumlah wilayah pada bobot ({n})")
    return y


def _g_star(y: np.ndarray, matrix) -> tuple[np.ndarray, np.ndarray]:
    """Gi* and its analytical z-score per column of ``y``, as ``esda.G_Local.calc`` computes them."""
    n = len(y)
    statistic = (matrix @ y) / y.sum(axis=0)
    mean = y.sum(axis=0) / n
    variance = (y**2).sum(axis=0) / n - mean**2
    cardinality = np.asarray(matrix.sum(axis=1))  # (n, 1): broadcasts over the columns
    expected = cardinality / n
    expected_variance = cardinality * (n - cardinality)
    expected_variance /= n - 1
    expected_variance *= 1 / n**2
    expected_variance = expected_variance * (variance / mean**2)  # (n, 1) × (columns,): one column each
    return statistic, (statistic - expected) / np.sqrt(expected_variance)


def _quadrants(z: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """esda's quadrants: 1 high-high, 2 low-high, 3 low-low, 4 high-low."""
    zp, lp = z > 0, lag > 0
    return 1 * (zp * lp) + 2 * ((1 - zp) * lp) + 3 * ((1 - zp) * (1 - lp)) + 4 * (zp * (1 - lp))


@lru_cache(maxsize=16)
def _permuted_ids(max_card: int, n: int, permutations: int, seed: int) -> np.ndarray:
    """esda's draws: ``(permutations, max_card)`` positions among the other ``n - 1`` regions."""
    ids = vec_permutations(max_card, n, permutations, seed)
    ids.setflags(write=False)
    return ids


def _pseudo_p(z: np.ndarray, observed: np.ndarray, rows: _Rows, permutations: int, seed: int, stat) -> np.ndarray:
    """Directed pseudo p-values of conditional randomisation, as ``esda.crand`` computes them.

    For region ``i`` esda draws its neighbours' values from the other regions with one shared
    draw table (a drawn position ``j >= i`` means region ``j + 1``), combines them with ``i``'s
    weights in one (permutations × cardinality) matrix-vector product and counts the draws at
    least as large as observed. Here the regions of one cardinality are done together in
    cache-sized blocks, with the same products on the same rows, so every count — ties included —
    is esda's. ``z`` and ``observed`` are ``(n, columns)``, one column per variable (e.g. per
    period); ``stat(lagged, z_i, self_weight, column)`` turns lagged draws into the statistic.
    """
    if permutations < 1:
        raise ValueError(f"permutasi harus ≥ 1, didapat {permutations!r}")
    n, columns = z.shape
    ids = _permuted_ids(max(int(rows.cardinality.max()), 1), n, int(permutations), int(seed))
    below, above = z[ids], z[np.minimum(ids + 1, n - 1)]  # (permutations, max_card, columns)
    larger = np.empty((n, columns), dtype=np.int64)
    for k in np.unique(rows.cardinality):
        group = _group(rows, int(k), ids, below, above)
        step = max(1, _BLOCK_VALUES // (permutations * group.drawn.shape[1]))
        for start in range(0, len(group.members), step):
            block = slice(start, start + step)
            members = group.members[block]
            for col, lagged in enumerate(_lagged_draws(group, block, permutations)):
                simulated = stat(lagged, z[members, col, None], group.self_weight[block, None], col)
                larger[members, col] = (simulated >= observed[members, col, None]).sum(axis=1)
    flip = (permutations - larger) < larger
    larger[flip] = permutations - larger[flip]
    return (larger + 1.0) / (permutations + 1.0)


@dataclass(frozen=True)
class _Group:
    """The regions of one cardinality, their weights and the draws they read."""

    members: np.ndarray
    weights: np.ndarray  # (members, width)
    self_weight: np.ndarray  # (members,)
    drawn: np.ndarray  # (permutations, width)
    draw_columns: np.ndarray  # (width, permutations): ``drawn`` transposed, each column contiguous
    low: list  # per column (permutations, width): the drawn region's value, when it lies before i
    high: list  # per column: the next region's value (the draw skipped region i)
    forms: list | None  # per column (width + 1, permutations), when all members share one weight vector


def _group(rows: _Rows, k: int, ids: np.ndarray, below: np.ndarray, above: np.ndarray) -> _Group:
    members = np.flatnonzero(rows.cardinality == k)
    width = max(k, 1)  # a region without neighbours gets one neighbour of weight 0, as in esda
    if k == 0:
        weights, self_weight = np.zeros((len(members), 1)), np.zeros(len(members))
    else:
        weights = rows.weights[rows.indptr[members][:, None] + np.arange(k)]
        self_weight = rows.self_weight[members]
    drawn = np.ascontiguousarray(ids[:, :width])
    low = [np.ascontiguousarray(below[:, :width, col]) for col in range(below.shape[2])]
    high = [np.ascontiguousarray(above[:, :width, col]) for col in range(below.shape[2])]
    forms = None
    if (weights == weights[0]).all():
        # Contiguity rows of one cardinality share their weights (1/k). A row of draws then has
        # only width + 1 forms over all regions: its c lowest draws lie before region i and take
        # their own value, the others the next region's (c = 0..width). Each form is computed
        # once, by the same (permutations × width) product esda runs for every region.
        rank = np.argsort(np.argsort(drawn, axis=1), axis=1)
        lowest = rank[None] < np.arange(width + 1)[:, None, None]
        forms = [np.matmul(np.where(lowest, lo, hi), weights[0]) for lo, hi in zip(low, high)]
    return _Group(members=members, weights=weights, self_weight=self_weight, drawn=drawn,
                  draw_columns=np.ascontiguousarray(drawn.T), low=low, high=high, forms=forms)


def _lagged_draws(group: _Group, block: slice, permutations: int):
    """Per column, the weighted sum of each region's drawn neighbours: ``(regions in block, permutations)``."""
    members = group.members[block]
    if group.forms is not None:
        before = np.zeros((len(members), permutations), dtype=np.int32)
        for draws in group.draw_columns:  # one draw column at a time: no short axis to reduce
            before += draws < members[:, None]
        at = before * permutations + np.arange(permutations, dtype=np.int32)
        for forms in group.forms:
            yield forms.take(at)
    else:
        after = group.drawn >= members[:, None, None]
        for lo, hi in zip(group.low, group.high):
            yield np.matmul(np.where(after, hi, lo), group.weights[block, :, None])[..., 0]
