"""riskmodels.simulation.names: the name, address and identifier makers are deterministic given their integers or generator."""
from __future__ import annotations

import numpy as np
from riskmodels.simulation import names


def test_person_ids_are_ten_characters_never_a_credit_code():
    ids = names.person_ids(np.array([0, 12345, 999_999_999]))
    assert ids.tolist() == ["P000000000", "P000012345", "P999999999"]
    assert {len(x) for x in ids} == {10}


def test_phones_ips_and_addresses_follow_their_integers():
    assert names.phones(np.array([1, 123_456_789])).tolist() == ["0755-00000001", "0755-23456789"]
    assert names.ip_strings(np.array([0x0A000001, 0xC0A80A14])).tolist() == ["10.0.0.1", "192.168.10.20"]
    a = names.addresses(np.array([0, 0, 1]), np.array([101, 102, 101]), np.array(["坪山街道"] * 3, dtype=object), False)
    assert a[0] != a[1] and a[0].replace("101室", "") == a[1].replace("102室", "")  # one building, two rooms
    assert a[0].startswith(names.CITY + "坪山街道") and a[2] != a[0]


def test_generated_names_are_reproducible_from_the_generator():
    ind = np.array([0, 1, 2, 3])
    reg = np.array(["深圳市", "广州市", "坪山街道", "惠州市"], dtype=object)
    a = names.company_names(np.random.default_rng(7), ind, reg)
    b = names.company_names(np.random.default_rng(7), ind, reg)
    assert a.tolist() == b.tolist() and all(x.endswith("有限公司") for x in a)
    assert a[1].startswith("广州市") and a[2].startswith("深圳市")  # a subdistrict is not a city: the city's own name
    assert names.person_names(np.random.default_rng(1), 5).tolist() == names.person_names(np.random.default_rng(1), 5).tolist()
    mac = names.mac_strings(np.random.default_rng(3), 50)
    assert all(len(m) == 17 and int(m[:2], 16) % 2 == 0 for m in mac)  # unicast: the first octet's low bit clear
    hx = names.hex_strings(np.random.default_rng(3), 4, 8, upper=True)
    assert all(len(h) == 16 and h == h.upper() for h in hx)
