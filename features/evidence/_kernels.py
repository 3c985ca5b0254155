"""Private Numba kernels for tender screens, bid progressions and pairwise bid evidence.

Nothing here validates its input: the public wrappers in `features.evidence.screens` and `features.evidence.pairs` check dtypes and shapes,
make contiguous arrays and wrap the results in DataFrames. Every kernel is `cache=True`; `parallel=True` only where the
outer loop over tenders is a `prange`. Numeric tolerances live in this module's constants and in the wrappers' arguments;
no kernel uses fastmath (the screens must equal a textbook implementation to 1e-9).

Data layout shared by the kernels: rows are grouped by tender with a counting sort (`group_order`): `order[offsets[s]:offsets[s+1]]`
are the row positions of tender `s`. Missing values are NaN (floats) or -1 (integer codes).
"""
from __future__ import annotations

import numpy as np
from numba import config, njit, prange

JIT_DISABLED = bool(config.DISABLE_JIT)  # pure-Python mode (tests' coverage run): the GIL is never released

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
def pair_counts(offsets, bidder):
    """Number of pairs of bids from different bidders in each tender segment (bidder codes in tender order)."""
    n_seg = offsets.shape[0] - 1
    counts = np.zeros(n_seg, dtype=np.int64)
    for s in prange(n_seg):
        c = 0
        for i in range(offsets[s], offsets[s + 1]):
            for j in range(i + 1, offsets[s + 1]):
                if bidder[i] != bidder[j]:
                    c += 1
        counts[s] = c
    return counts


@njit(cache=True)
def _item_pair(ia0, ia1, ib0, ib1, item, unit, qcount, qslog, n_in_tender, log_odd, out, p):
    """Item evidence of two bids whose items are item[ia0:ia1] and item[ib0:ib1] (each sorted by item code).

    out[0:5, p] <- (shared, cosine, pearson, identical share, identical odd items)."""
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
    out[0, p] = shared
    out[1, p] = np.nan
    out[2, p] = np.nan
    out[3, p] = np.nan
    out[4, p] = odd
    if shared == 0:
        return
    if sxx > 0 and syy > 0:
        out[1, p] = sxy / np.sqrt(sxx * syy)
    out[3, p] = same / shared
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
            out[2, p] = cxy / np.sqrt(cxx * cyy)


@njit(cache=True, parallel=True)
def pairs_kernel(order, offsets, pair_offsets, bidder, price, logp, time, win, hashes, err, err_rtol,
                 item_ptr, item, unit, qcount, qslog, log_odd, with_items, rows, tcodes, bcodes, num, wins, flags, items):
    """Evidence for every pair of bids from different bidders within each tender segment.

    Per-bid arrays (bidder ... err; columns of hashes) are in tender order, i.e. already gathered by `order`,
    so a tender's bids are contiguous in memory; `order` maps back to input rows (and to `item_ptr`, which is by row).
    `logp` is log(price) per bid (read only where the price is > 0): log_ratio = logp[a] - logp[b] saves a log per pair
    (about a quarter of the kernel's time); it differs from log(pa / pb) by a few ulps of log(price), not relatively.
    Orientation: side a is the bid whose bidder code is smaller. Metadata field f of bid i is represented by the hash
    hashes[f, i] of its text (0: missing or blank); equal hashes set the flag, and the wrapper confirms each flagged pair
    on the texts themselves (a hash collision never reaches the output).

    Outputs are column-major (one contiguous row per output column), P pairs, and filled in place: the wrapper allocates
    them with NumPy, in the dtypes the output frame keeps (pandas makes no converting copy) and on transparent huge pages
    where NumPy asks for them (arrays allocated in here by Numba get 4 KiB pages: first-touch page faults on 200 MB of
    output cost about 0.1 s of system time, five times NumPy's). rows (2, P) input positions of bids a and b (int32, or
    int64 for 2**31 rows or more); tcodes (P,) int32 tender segment; bcodes (2, P) bidder codes of a and b (int16 when
    fewer than 2**15 bidders, else int32);
    num (3, P) float64 price_gap, log_ratio, time_gap; wins (2, P) float32 win_a, win_b (0/1/NaN: exact in float32);
    flags (F + 1, P) int8 equal-metadata flag per field, then their count;
    items (6, P) float64 (`_item_pair`'s five, then same_wrong_total; zero columns unless with_items)."""
    n_seg = offsets.shape[0] - 1
    n_fields = hashes.shape[0]
    for s in prange(n_seg):
        p = pair_offsets[s]
        lo = offsets[s]
        hi = offsets[s + 1]
        n_in_tender = 0
        if with_items:
            for k in range(lo, hi):
                if item_ptr[order[k] + 1] > item_ptr[order[k]]:
                    n_in_tender += 1
        for ii in range(lo, hi):
            for jj in range(ii + 1, hi):
                a = ii
                b = jj
                if bidder[a] == bidder[b]:
                    continue
                if bidder[a] > bidder[b]:
                    a, b = b, a
                ra = order[a]
                rb = order[b]
                rows[0, p] = ra
                rows[1, p] = rb
                tcodes[p] = s
                bcodes[0, p] = bidder[a]
                bcodes[1, p] = bidder[b]
                pa = price[a]
                pb = price[b]
                if pa > 0 and pb > 0:
                    num[0, p] = abs(pa - pb) / min(pa, pb)
                    num[1, p] = logp[a] - logp[b]  # log(pa / pb) to within a few ulps of log(max(pa, pb))
                else:
                    num[0, p] = np.nan
                    num[1, p] = np.nan
                num[2, p] = abs(time[a] - time[b])
                wins[0, p] = win[a]
                wins[1, p] = win[b]
                k = 0
                for f in range(n_fields):
                    h = hashes[f, a]
                    if h != 0 and h == hashes[f, b]:
                        flags[f, p] = 1
                        k += 1
                    else:
                        flags[f, p] = 0
                flags[n_fields, p] = k
                if with_items:
                    if item_ptr[ra + 1] > item_ptr[ra] and item_ptr[rb + 1] > item_ptr[rb]:
                        _item_pair(item_ptr[ra], item_ptr[ra + 1], item_ptr[rb], item_ptr[rb + 1], item, unit, qcount, qslog,
                                   n_in_tender, log_odd, items, p)
                    else:
                        for c in range(5):
                            items[c, p] = np.nan
                    ea = err[a]
                    eb = err[b]
                    items[5, p] = np.nan
                    if np.isfinite(ea) and np.isfinite(eb):  # err: 0 correct total, else the error; NaN unknown
                        wrong = ea != 0 and eb != 0 and abs(ea - eb) <= err_rtol * max(abs(ea), abs(eb))
                        items[5, p] = 1.0 if wrong else 0.0
                p += 1


@njit(cache=True, nogil=True)
def text_hashes(offsets, data, valid, dest, hashes):
    """64-bit FNV-1a hash of each string i of an Arrow string column (offsets, data), read sequentially, into
    hashes[dest[i]] (skipped where dest[i] < 0: the wrapper passes each row's position in tender order, so no gather pass
    follows); 0 where missing or blank (only ASCII whitespace and the ideographic space U+3000); a text hashing to 0 gets 1."""
    for i in range(valid.shape[0]):
        d = dest[i]
        if d < 0:
            continue
        lo = offsets[i]
        hi = offsets[i + 1]
        blank = True
        j = lo
        while j < hi:
            c = data[j]
            if c == 32 or (9 <= c <= 13):
                j += 1
            elif c == 0xE3 and j + 2 < hi and data[j + 1] == 0x80 and data[j + 2] == 0x80:
                j += 3
            else:
                blank = False
                break
        if valid[i] and not blank:
            h = np.uint64(14695981039346656037)
            for m in range(lo, hi):
                h = (h ^ np.uint64(data[m])) * np.uint64(1099511628211)
            hashes[d] = h if h != 0 else np.uint64(1)
        else:
            hashes[d] = 0


PARTIAL_COLUMNS = ("co_bids", "win_known", "wins_a", "wins_b", "gap_n", "gap_sum", "ratio_n", "ratio_mean", "ratio_m2",
                   "time_n", "time_sum", "shared_meta_tenders", "gap_min", "time_gap_min")
# (count, mean, M2 = sum of squared deviations from the mean) of the log price ratio: not additive, merged by `chan_merge`
MOMENT_COLUMNS = ("ratio_n", "ratio_mean", "ratio_m2")
ITEM_PARTIAL_COLUMNS = ("cos_n", "cos_sum", "pear_n", "pear_sum", "ident_n", "ident_sum", "same_odd_items",
                        "same_wrong_totals")


@njit(cache=True, parallel=True)
def pair_reduce(o, starts, gap, lr, tg, wa, wb, nsame, same, itm):
    """Partial statistics per bidder pair: pair rows o[starts[g]:starts[g+1]] belong to bidder pair g.

    Rows of the result (K, G): PARTIAL_COLUMNS, then one count per metadata field (rows of `same`), then
    ITEM_PARTIAL_COLUMNS when `itm` (rows: cosine, pearson, identical share, odd items, wrong total) has columns.
    Sums skip NaN; minima are NaN when every value is NaN. The log ratio gets (count, mean, M2) by the corrected two-pass
    algorithm over the run (m = sum / count; c = sum of (x - m); M2 = sum of (x - m)**2 - c**2 / count; mean = m + c / count):
    no sum of squares, so no cancellation when the ratios are large and close; mean and M2 are 0 when the count is 0."""
    n_groups = starts.shape[0] - 1
    n_fields = same.shape[0]
    with_items = itm.shape[1] > 0
    k_base = len(PARTIAL_COLUMNS)
    out = np.zeros((k_base + n_fields + (len(ITEM_PARTIAL_COLUMNS) if with_items else 0), n_groups))
    for g in prange(n_groups):
        gmin = np.nan
        tmin = np.nan
        for q in range(starts[g], starts[g + 1]):
            i = o[q]
            out[0, g] += 1
            if np.isfinite(wa[i]) and np.isfinite(wb[i]):
                out[1, g] += 1
                out[2, g] += wa[i]
                out[3, g] += wb[i]
            x = gap[i]
            if np.isfinite(x):
                out[4, g] += 1
                out[5, g] += x
                if np.isnan(gmin) or x < gmin:
                    gmin = x
            x = lr[i]
            if np.isfinite(x):
                out[6, g] += 1
                out[7, g] += x
                out[8, g] += x * x
            x = tg[i]
            if np.isfinite(x):
                out[9, g] += 1
                out[10, g] += x
                if np.isnan(tmin) or x < tmin:
                    tmin = x
            if nsame[i] > 0:
                out[11, g] += 1
            for f in range(n_fields):
                out[k_base + f, g] += same[f, i]
            if with_items:
                k = k_base + n_fields
                for c in range(3):
                    x = itm[c, i]
                    if np.isfinite(x):
                        out[k + 2 * c, g] += 1
                        out[k + 2 * c + 1, g] += x
                for c in range(2):
                    x = itm[3 + c, i]
                    if np.isfinite(x):
                        out[k + 6 + c, g] += x
        out[12, g] = gmin
        out[13, g] = tmin
        n = out[6, g]
        if n > 0:
            mean = out[7, g] / n
            c = 0.0
            m2 = 0.0
            for q in range(starts[g], starts[g + 1]):
                x = lr[o[q]]
                if np.isfinite(x):
                    c += x - mean
                    m2 += (x - mean) * (x - mean)
            # corrected two-pass: c (0 in exact arithmetic) removes the effect of the first-pass mean's rounding error on
            # M2, and refines the mean to about an ulp whatever the count (a merge's d = mb - ma needs accurate means)
            out[7, g] = mean + c / n
            out[8, g] = max(m2 - c * c / n, 0.0)
    return out


@njit(cache=True)
def chan_merge(o, starts, n, mean, m2):
    """(count, mean, M2) partials of one variable, rows o[starts[g]:starts[g+1]] belonging to group g, folded per group
    with Chan et al.'s pairwise update: n = na + nb; d = mb - ma; mean = ma + d * nb / n; M2 = M2a + M2b + d * d * na * nb / n.
    Partials with a zero count are skipped. Returns (n, mean, M2) per group (mean and M2 are 0 when the count is 0)."""
    n_groups = starts.shape[0] - 1
    on = np.zeros(n_groups)
    om = np.zeros(n_groups)
    o2 = np.zeros(n_groups)
    for g in range(n_groups):
        na = 0.0
        ma = 0.0
        sa = 0.0
        for q in range(starts[g], starts[g + 1]):
            i = o[q]
            nb = n[i]
            if not nb > 0:
                continue
            if na == 0:
                na = nb
                ma = mean[i]
                sa = m2[i]
                continue
            tot = na + nb
            d = mean[i] - ma
            ma = ma + d * (nb / tot)
            sa = sa + m2[i] + d * d * (na * nb / tot)
            na = tot
        on[g] = na
        om[g] = ma
        o2[g] = sa
    return on, om, o2
