"""Private Numba kernels for tender screens, bid progressions and pairwise bid evidence.

Nothing here validates its input: the public wrappers in `features.screens` and `features.pairs` check dtypes and shapes,
make contiguous arrays and wrap the results in DataFrames. Every kernel is `cache=True`; `parallel=True` only where the
outer loop over tenders is a `prange`. Numeric tolerances live in this module's constants and in the wrappers' arguments;
no kernel uses fastmath (the screens must equal a textbook implementation to 1e-9).

Data layout shared by the kernels: rows are grouped by tender with a counting sort (`group_order`): `order[offsets[s]:offsets[s+1]]`
are the row positions of tender `s`. Missing values are NaN (floats) or -1 (integer codes).
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

# screens output columns, in kernel order
SCREEN_COLUMNS = ("n_bids", "cv", "spd", "diffp", "rd", "rdnor", "rdalt", "kurt", "skew", "ks")
PROGRESSION_COLUMNS = ("n_bids", "gap_cv", "ratio_cv", "arith_run", "geom_run")


@njit(cache=True)
def group_order(codes, n_groups):
    """Counting sort of rows by group code (codes < 0 are dropped): (order, offsets)."""
    counts = np.zeros(n_groups + 1, dtype=np.int64)
    for i in range(codes.shape[0]):
        c = codes[i]
        if c >= 0:
            counts[c + 1] += 1
    offsets = np.cumsum(counts)
    fill = offsets[:-1].copy()
    order = np.empty(offsets[-1], dtype=np.int64)
    for i in range(codes.shape[0]):
        c = codes[i]
        if c >= 0:
            order[fill[c]] = i
            fill[c] += 1
    return order, offsets


@njit(cache=True)
def _sorted_finite(order, lo, hi, price, buf):
    """The finite prices of rows order[lo:hi], sorted ascending, as a view of `buf` (len(buf) >= hi - lo)."""
    k = 0
    for i in range(lo, hi):
        v = price[order[i]]
        if np.isfinite(v):
            # insertion sort: tenders are small; long ones are re-sorted below
            j = k
            if k < 32:
                while j > 0 and buf[j - 1] > v:
                    buf[j] = buf[j - 1]
                    j -= 1
            buf[j] = v
            k += 1
    b = buf[:k]
    if k > 32:
        b.sort()
    return b


@njit(cache=True)
def _chunks(offsets, n_chunks):
    """Split tender segments into n_chunks contiguous runs: (chunk bounds over segments, largest segment)."""
    n_seg = offsets.shape[0] - 1
    bounds = np.empty(n_chunks + 1, dtype=np.int64)
    for c in range(n_chunks + 1):
        bounds[c] = (n_seg * c) // n_chunks
    widest = 0
    for s in range(n_seg):
        w = offsets[s + 1] - offsets[s]
        if w > widest:
            widest = w
    return bounds, widest


N_CHUNKS = 64  # units of parallel work over tenders; each reuses one scratch buffer


@njit(cache=True)
def _screens_one(b, row):
    """Screens of one tender's sorted bids `b` into `row` (pre-filled with NaN), in SCREEN_COLUMNS order."""
    n = b.shape[0]
    row[0] = n
    if n < 2:
        return
    lo = b[0]
    hi = b[n - 1]
    mean = 0.0
    for i in range(n):
        mean += b[i]
    mean /= n
    m2 = 0.0
    m3 = 0.0
    m4 = 0.0
    for i in range(n):
        d = b[i] - mean
        d2 = d * d
        m2 += d2
        m3 += d2 * d
        m4 += d2 * d2
    if hi == lo:  # all bids equal: exactly zero spread (pandas' moments are exact here too)
        m2 = 0.0
    sd = np.sqrt(m2 / (n - 1))
    if mean > 0:
        row[1] = sd / mean
    if lo > 0:
        row[2] = (hi - lo) / lo
        row[3] = (b[1] - lo) / lo
    d12 = b[1] - lo
    if n >= 3:
        # losing bids b[1:]
        if hi > b[1]:
            lm = 0.0
            for i in range(1, n):
                lm += b[i]
            lm /= n - 1
            ls = 0.0
            for i in range(1, n):
                ls += (b[i] - lm) * (b[i] - lm)
            ls = np.sqrt(ls / (n - 2))
            row[4] = d12 / ls
            row[6] = d12 / ((hi - b[1]) / (n - 2))
        if hi > lo:
            row[5] = d12 / ((hi - lo) / (n - 1))
            # bias-corrected sample skewness (pandas' formula)
            row[8] = m3 / (m2 * np.sqrt(m2)) * (n * np.sqrt(n - 1.0)) / (n - 2.0)
    if n >= 4 and hi > lo:
        # bias-corrected sample excess kurtosis (pandas' formula)
        row[7] = (n - 1.0) / ((n - 2.0) * (n - 3.0)) * (n * (n + 1.0) * m4 / (m2 * m2) - 3.0 * (n - 1.0))
    if hi > lo:
        d = 0.0
        for i in range(n):
            f = (b[i] - lo) / (hi - lo)
            dp = (i + 1.0) / n - f
            dm = f - i / n
            if dp > d:
                d = dp
            if dm > d:
                d = dm
        row[9] = d


@njit(cache=True, parallel=True)
def screens_kernel(order, offsets, price):
    """One row of SCREEN_COLUMNS per tender segment."""
    n_seg = offsets.shape[0] - 1
    out = np.full((n_seg, len(SCREEN_COLUMNS)), np.nan)
    bounds, widest = _chunks(offsets, N_CHUNKS)
    for c in prange(N_CHUNKS):
        buf = np.empty(widest)
        for s in range(bounds[c], bounds[c + 1]):
            b = _sorted_finite(order, offsets[s], offsets[s + 1], price, buf)
            _screens_one(b, out[s])
    return out


@njit(cache=True)
def _cv(x):
    """sd (ddof=1) / mean of x; NaN when fewer than 2 values or mean <= 0."""
    n = x.shape[0]
    if n < 2:
        return np.nan
    m = x.mean()
    if m <= 0:
        return np.nan
    s = 0.0
    for i in range(n):
        s += (x[i] - m) * (x[i] - m)
    return np.sqrt(s / (n - 1)) / m


@njit(cache=True)
def _longest_run(steps, rtol):
    """Length in bids of the longest run of consecutive equal positive steps (relative tolerance rtol); 0 when < 3 bids."""
    n = steps.shape[0]
    best = 0
    run = 0
    for i in range(n):
        if not steps[i] > 0:
            run = 0
            continue
        if run > 0 and abs(steps[i] - steps[i - 1]) <= rtol * max(steps[i], steps[i - 1]):
            run += 1
        else:
            run = 1
        if run + 1 > best:
            best = run + 1
    return best if best >= 3 else 0


@njit(cache=True, parallel=True)
def progressions_kernel(order, offsets, price, rtol):
    """Per tender: n_bids, cv of adjacent gaps, cv of adjacent log-ratios, longest arithmetic and geometric runs."""
    n_seg = offsets.shape[0] - 1
    out = np.full((n_seg, len(PROGRESSION_COLUMNS)), np.nan)
    bounds, widest = _chunks(offsets, N_CHUNKS)
    for c in prange(N_CHUNKS):
        buf = np.empty(widest)
        for s in range(bounds[c], bounds[c + 1]):
            b = _sorted_finite(order, offsets[s], offsets[s + 1], price, buf)
            _progressions_one(b, rtol, out[s])
    return out


@njit(cache=True)
def _progressions_one(b, rtol, row):
    """One tender's progression statistics (PROGRESSION_COLUMNS) from its sorted bids `b` into `row`."""
    n = b.shape[0]
    row[0] = n
    row[3] = 0
    row[4] = 0
    if n < 3:
        return
    gaps = np.empty(n - 1)
    for i in range(n - 1):
        gaps[i] = b[i + 1] - b[i]
    row[1] = _cv(gaps)
    row[3] = _longest_run(gaps, rtol)
    if b[0] > 0:
        lr = np.empty(n - 1)
        for i in range(n - 1):
            lr[i] = np.log(b[i + 1] / b[i])
        row[2] = _cv(lr)
        row[4] = _longest_run(lr, rtol)


# ---------------------------------------------------------------------------------------------------------------------
# Pairs


@njit(cache=True, parallel=True)
def pair_counts(order, offsets, bidder):
    """Number of pairs of bids from different bidders in each tender segment."""
    n_seg = offsets.shape[0] - 1
    counts = np.zeros(n_seg, dtype=np.int64)
    for s in prange(n_seg):
        c = 0
        for i in range(offsets[s], offsets[s + 1]):
            for j in range(i + 1, offsets[s + 1]):
                if bidder[order[i]] != bidder[order[j]]:
                    c += 1
        counts[s] = c
    return counts


@njit(cache=True)
def _item_pair(ia0, ia1, ib0, ib1, item, unit, qcount, qslog, n_in_tender, log_odd, res):
    """Item evidence of two bids whose items are item[ia0:ia1] and item[ib0:ib1] (each sorted by item code).

    res <- (shared, cosine, pearson, identical share, identical odd items)."""
    shared = 0
    sx = 0.0
    sy = 0.0
    sxy = 0.0
    sxx = 0.0
    syy = 0.0
    same = 0
    odd = 0
    xlo = np.inf
    xhi = -np.inf
    ylo = np.inf
    yhi = -np.inf
    i = ia0
    j = ib0
    while i < ia1 and j < ib1:
        if item[i] < item[j]:
            i += 1
        elif item[i] > item[j]:
            j += 1
        else:
            x = unit[i]
            y = unit[j]
            if np.isfinite(x) and np.isfinite(y):
                shared += 1
                sx += x
                sy += y
                sxy += x * y
                sxx += x * x
                syy += y * y
                xlo = min(xlo, x)
                xhi = max(xhi, x)
                ylo = min(ylo, y)
                yhi = max(yhi, y)
                if x == y:
                    same += 1
                    if x > 0 and qcount[i] >= 2:
                        others = qcount[i] - 2
                        if others == 0:
                            if n_in_tender >= 3:  # a line only these two bids quote
                                odd += 1
                        elif abs(np.log(x) - (qslog[i] - 2.0 * np.log(x)) / others) > log_odd:
                            odd += 1
            i += 1
            j += 1
    res[0] = shared
    res[1] = np.nan
    res[2] = np.nan
    res[3] = np.nan
    res[4] = odd
    if shared == 0:
        return
    if sxx > 0 and syy > 0:
        res[1] = sxy / np.sqrt(sxx * syy)
    res[3] = same / shared
    if shared >= 2 and xhi > xlo and yhi > ylo:  # both sides vary (exact test: centred sums of equal values may not be 0)
        mx = sx / shared
        my = sy / shared
        cxy = 0.0
        cxx = 0.0
        cyy = 0.0
        i = ia0
        j = ib0
        while i < ia1 and j < ib1:  # second pass, centred, for an accurate correlation
            if item[i] < item[j]:
                i += 1
            elif item[i] > item[j]:
                j += 1
            else:
                x = unit[i]
                y = unit[j]
                if np.isfinite(x) and np.isfinite(y):
                    cxy += (x - mx) * (y - my)
                    cxx += (x - mx) * (x - mx)
                    cyy += (y - my) * (y - my)
                i += 1
                j += 1
        if cxx > 0 and cyy > 0:
            res[2] = cxy / np.sqrt(cxx * cyy)


@njit(cache=True, parallel=True)
def pairs_kernel(order, offsets, pair_offsets, bidder, price, time, win, meta, err, err_rtol,
                 item_ptr, item, unit, qcount, qslog, log_odd):
    """Evidence for every pair of bids from different bidders within each tender segment.

    Orientation: side a is the bid whose bidder code is smaller. Returns (rows (P,2) int64 positions of bids a and b,
    seg (P,) int64 tender segment, num (P, 9) float64: price_a, price_b, price_gap, log_ratio, time_gap, win_a, win_b,
    same_wrong_total, n_same_meta; same (P, F) int8 equal-metadata flags; items (P, 5) float64: see `_item_pair`)."""
    n_seg = offsets.shape[0] - 1
    n_pairs = pair_offsets[n_seg]
    n_fields = meta.shape[1]
    rows = np.empty((n_pairs, 2), dtype=np.int64)
    seg = np.empty(n_pairs, dtype=np.int64)
    num = np.full((n_pairs, 9), np.nan)
    same = np.zeros((n_pairs, n_fields), dtype=np.int8)
    items = np.full((n_pairs, 5), np.nan)
    has_items = item_ptr.shape[0] > 1
    for s in prange(n_seg):
        p = pair_offsets[s]
        lo = offsets[s]
        hi = offsets[s + 1]
        n_in_tender = 0
        if has_items:
            for k in range(lo, hi):
                if item_ptr[order[k] + 1] > item_ptr[order[k]]:
                    n_in_tender += 1
        res = np.empty(5)
        for ii in range(lo, hi):
            for jj in range(ii + 1, hi):
                a = order[ii]
                b = order[jj]
                if bidder[a] == bidder[b]:
                    continue
                if bidder[a] > bidder[b]:
                    a, b = b, a
                rows[p, 0] = a
                rows[p, 1] = b
                seg[p] = s
                pa = price[a]
                pb = price[b]
                num[p, 0] = pa
                num[p, 1] = pb
                if pa > 0 and pb > 0:
                    num[p, 2] = abs(pa - pb) / min(pa, pb)
                    num[p, 3] = np.log(pa / pb)
                num[p, 4] = abs(time[a] - time[b])
                num[p, 5] = win[a]
                num[p, 6] = win[b]
                ea = err[a]
                eb = err[b]
                if np.isfinite(ea) and np.isfinite(eb):  # err: 0 correct total, else the error; NaN unknown
                    wrong = ea != 0 and eb != 0 and abs(ea - eb) <= err_rtol * max(abs(ea), abs(eb))
                    num[p, 7] = 1.0 if wrong else 0.0
                k = 0
                for f in range(n_fields):
                    if meta[a, f] >= 0 and meta[a, f] == meta[b, f]:
                        same[p, f] = 1
                        k += 1
                num[p, 8] = k
                if has_items and item_ptr[a + 1] > item_ptr[a] and item_ptr[b + 1] > item_ptr[b]:
                    _item_pair(item_ptr[a], item_ptr[a + 1], item_ptr[b], item_ptr[b + 1], item, unit, qcount, qslog,
                               n_in_tender, log_odd, res)
                    for c in range(5):
                        items[p, c] = res[c]
                p += 1
    return rows, seg, num, same, items
