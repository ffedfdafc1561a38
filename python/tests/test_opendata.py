"""The Assurance Maladie's open aggregates: the shared samples of fixtures/opendata read into
polars with their published values, and protected aggregates exported in the same layouts and
read back."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import cohorte
from cohorte import definition as d
from cohorte import exceptions

from .conftest import FIXTURES

OPEN_MEDIC = FIXTURES / "opendata" / "OPEN_MEDIC_2023_SAMPLE.CSV"
EFFECTIFS = FIXTURES / "opendata" / "effectifs_sample.csv"


def test_open_medic_sample_reads_with_its_types_and_accents() -> None:
    df = cohorte.read_open_medic(OPEN_MEDIC)
    assert isinstance(df, pl.DataFrame)
    assert df.height == 6
    assert df.columns[:2] == ["ATC1", "l_ATC1"] and df.columns[-3:] == ["BOITES", "REM", "BSE"]
    # Values as written in the file (Latin-1, decimal commas, one negative regularisation).
    assert df["BOITES"].to_list() == [1520, 1388, -3, 2210, 415, 9870]
    assert df["BEN_REG"].to_list() == [84, 84, 99, 11, 5, 93]
    assert df["REM"][0] == pytest.approx(8123.45)
    assert df["BSE"][2] == pytest.approx(-19.44)
    assert df["CIP13"][0] == "3400930000017"
    assert df["l_ATC1"][0] == "SYSTÈME CARDIO-VASCULAIRE"
    assert df.schema["CIP13"] == pl.String and df.schema["BOITES"] == pl.Int64


def test_data_pathologies_sample_keeps_masked_counts_null() -> None:
    df = cohorte.read_data_pathologies(EFFECTIFS)
    assert df.height == 6
    assert df["Ntop"].to_list() == [412, 97, None, None, 11870, 4170230]
    assert df["prev"].to_list()[:4] == pytest.approx([0.673, 0.153, None, None], nan_ok=False)
    assert df["dept"].to_list()[2] == "2A"  # Corsica keeps its letter
    assert df["cla_age_5"].to_list()[3] == "95et+"
    assert df["libelle_classe_age"][0] == "de 40 à 44 ans"  # optional columns read when present


def test_open_data_errors_name_file_column_and_row(tmp_path: Path) -> None:
    with pytest.raises(exceptions.MissingFileError, match=r"nowhere\.csv"):
        cohorte.read_open_medic(tmp_path / "nowhere.csv")
    header, *rows = OPEN_MEDIC.read_bytes().decode("latin-1").splitlines()
    no_boxes = tmp_path / "no_boxes.csv"
    no_boxes.write_text(header.replace("BOITES", "OTHER") + "\n", encoding="latin-1")
    with pytest.raises(exceptions.MissingColumnError, match="BOITES") as missing:
        cohorte.read_open_medic(no_boxes)
    assert "no_boxes.csv" in str(missing.value)
    bad = tmp_path / "bad.csv"
    fields = rows[1].split(";")
    fields[18] = "beaucoup"  # BOITES of the second data row
    bad.write_text("\n".join([header, rows[0], ";".join(fields)]) + "\n", encoding="latin-1")
    with pytest.raises(exceptions.BadValueError) as info:
        cohorte.read_open_medic(bad)
    text = str(info.value)
    assert "bad.csv" in text and "BOITES" in text and "row 2" in text and "beaucoup" in text


def _population() -> str:
    # 12 men and 3 women born in 1950 in Paris (region 11), each dispensed 2 boxes of one
    # GLUCOPHAGE pack on 2021-03-01; the first three men get 1 more box on 2021-06-01. 20 more
    # men of the same age, without metformin, are observed all along.
    pack = "3400932710287"
    patients: list[dict[str, Any]] = []
    for i in range(15):
        events = [
            {
                "type": "dispensing",
                "date": "2021-03-01",
                "code": "A10BA02",
                "cip13": pack,
                "boxes": 2,
            }
        ]
        if i < 3:
            events.append(
                {"type": "dispensing", "date": "2021-06-01", "code": "A10BA02", "cip13": pack}
            )
        sex = "male" if i < 12 else "female"
        patients.append(
            {
                "id": f"M{i:02d}",
                "sex": sex,
                "birth": "1950-01-15",
                "departement": "75",
                "events": events,
            }
        )
    for i in range(20):
        patients.append(
            {
                "id": f"N{i:02d}",
                "sex": "male",
                "birth": "1950-01-15",
                "departement": "75",
                "events": [],
            }
        )
    return json.dumps({"data_start": "2019-01-01", "data_end": "2023-12-31", "patients": patients})


@pytest.fixture(scope="module")
def cohort() -> cohorte.Cohort:
    ds = cohorte.from_population_json(_population())
    return ds.cohort(
        d.CohortDefinition("metformin")
        .concept_set("metformin", "ATC", ["A10BA02"])
        .entry(d.dispensing("metformin"))
    )


def test_dispensings_count_boxes_by_pack_age_sex_region(cohort: cohorte.Cohort) -> None:
    agg = cohort.dispensings(k=10)
    assert agg.name and agg.k == 10
    rows = {
        (r["cip13"], r["age_band"], r["sex"], r["region"]): r for r in agg.iter_rows(named=True)
    }
    men = rows[("3400932710287", "60+", "1", "11")]
    assert (men["persons"], men["boxes"], men["dispensings"]) == (12, 12 * 2 + 3, 15)
    assert men["atc7"] == "A10BA02"
    women = rows[("3400932710287", "60+", "2", "11")]
    assert women["persons"] is None and women["persons_masked"] is True
    assert women["boxes"] is None and women["boxes_masked"] is True


def test_open_medic_export_reads_back(cohort: cohorte.Cohort, tmp_path: Path) -> None:
    path = cohort.dispensings(k=10).write_open_medic(tmp_path / "OPEN_MEDIC_TEST.CSV")
    assert path == tmp_path / "OPEN_MEDIC_TEST.CSV"
    back = cohorte.read_open_medic(path).sort("sexe")
    assert back["CIP13"].to_list() == ["3400932710287", "3400932710287"]
    assert back["ATC5"].to_list() == ["A10BA02", "A10BA02"]
    assert back["age"].to_list() == [60, 60]
    assert back["sexe"].to_list() == [1, 2]
    assert back["BEN_REG"].to_list() == [11, 11]
    assert back["BOITES"].to_list() == [27, None]  # the women's boxes stay masked
    assert back["l_cip13"][0] == "GLUCOPHAGE 1000MG CPR 30"


def test_data_pathologies_export_reads_back(cohort: cohorte.Cohort, tmp_path: Path) -> None:
    # On 2021-06-30 the 12 men on metformin (aged 71) are in the cohort, of 32 men observed.
    prev = cohort.prevalence("2021-06-30", ["age_band", "sex"], age_bands="five", k=10)
    out = prev.write_data_pathologies(
        tmp_path / "effectifs.csv", year=2021, top="TOP_METFORMINE", levels=["Diabète"]
    )
    back = cohorte.read_data_pathologies(out)
    men = back.filter(pl.col("sexe") == 1)
    assert men.height == 1
    assert men["annee"].to_list() == [2021]
    assert men["top"].to_list() == ["TOP_METFORMINE"]
    assert men["patho_niv1"].to_list() == ["Diabète"]
    assert men["cla_age_5"].to_list() == ["70-74"]
    assert men["Ntop"].to_list() == [12]
    assert men["Npop"].to_list() == [32]
    assert men["prev"][0] == pytest.approx(100 * 12 / 32, abs=5e-4)


def test_exports_need_the_aggregate_cohorte_computed(
    cohort: cohorte.Cohort, tmp_path: Path
) -> None:
    agg = cohort.dispensings(k=10)
    # Unpickled, the table is no longer the one the core protected: it cannot be exported.
    back = pickle.loads(pickle.dumps(agg))
    assert back.equals(agg)
    with pytest.raises(exceptions.InvalidArgumentError, match="write_open_medic"):
        back.write_open_medic(tmp_path / "x.csv")
    with pytest.raises(exceptions.InvalidArgumentError, match="write_open_medic"):
        cohorte.Aggregate(agg.to_polars()).write_open_medic(tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()
    # An aggregate of another shape is refused by the core's export, naming the missing column.
    with pytest.raises(exceptions.AggregateError, match="cip13"):
        cohort.counts(["sex"]).write_open_medic(tmp_path / "y.csv")
    # A prevalence without five-year bands does not fit Data pathologies.
    with pytest.raises(exceptions.AggregateError, match="5-year band"):
        cohort.prevalence("2021-06-30", ["age_band"], age_bands="ten").write_data_pathologies(
            tmp_path / "z.csv", year=2021, top="X"
        )
