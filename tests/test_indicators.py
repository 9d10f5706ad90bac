"""Area indicators as data and empirical Bayes rates."""

from datetime import date

import numpy as np
import pandas as pd
import pytest
from esda.smoothing import Empirical_Bayes

from analysis.rates import crude_rates, eb_rates
from auth.identity import User
from ingest.tables import TableError as ContextError
from services.context import import_indicator
from store import connect
from store.indicators import indicator_catalogue, indicator_table

ANALIS = User("analis", "analis", None, "Rahasia")


def test_eb_rates_equal_esda_and_shrink_small_regions():
    events = np.array([0, 1, 50, 3, 200.0])
    pop = np.array([1_000, 500, 400_000, 2_000, 1_000_000.0])
    ref = Empirical_Bayes(events.reshape(-1, 1), pop.reshape(-1, 1)).r.ravel() * 100_000
    np.testing.assert_allclose(eb_rates(events, pop), ref)
    crude = crude_rates(events, pop)
    # the tiny region with 1 event in 500 people is pulled towards the overall rate
    assert abs(eb_rates(events, pop)[1] - 20_000) < abs(crude[1] - 20_000) or eb_rates(events, pop)[1] < crude[1]
    assert np.isnan(eb_rates([1, 2, 3], [0, 100, 200])[0])


def test_indicator_import_with_data_date(fresh_db):
    con = connect(fresh_db)
    table = pd.DataFrame({"kode": ["63.72", "63.71"], "nilai": ["272000", "657.000,0"]})
    assert import_indicator(con, "penduduk", table, date(2024, 6, 30), ANALIS, "BPS") == 2
    cat = indicator_catalogue(con)
    assert cat.loc[0, "nama"] == "penduduk" and cat.loc[0, "tanggal_data"].date() == date(2024, 6, 30)
    wide = indicator_table(con, ["penduduk"]).set_index("kode")
    assert wide.at["63.72", "penduduk"] == 272_000 and wide.at["63.71", "penduduk"] == 657_000
    with pytest.raises(ContextError) as info:
        import_indicator(con, "penduduk", pd.DataFrame({"kode": ["99.99"], "nilai": ["x"]}), date(2025, 1, 1), ANALIS)
    assert set(zip(info.value.problems["baris"], info.value.problems["kolom"])) == {(2, "kode"), (2, "nilai")}
    assert indicator_table(con, ["penduduk"]).shape[0] == 2  # the failed import changed nothing
    with pytest.raises(ValueError, match="nama indikator"):
        import_indicator(con, "Penduduk Total!", table, date(2024, 6, 30), ANALIS)
