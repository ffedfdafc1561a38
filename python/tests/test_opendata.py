"""The Assurance Maladie's open aggregates: the shared samples of fixtures/opendata read into
polars with their published values, and protected aggregates exported in the same layouts and
read back."""

from __future__ import annotations

import json
import pickle
import warnings
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


EXPECTED = json.loads((FIXTURES / "opendata" / "expected.json").read_text(encoding="utf-8"))


def _same(got: list[Any], want: list[Any], what: str) -> None:
    assert len(got) == len(want), what
    for g, w in zip(got, want, strict=True):
        if isinstance(w, float) and g is not None:
            assert g == pytest.approx(w, abs=1e-9), what
        else:
            assert g == w, what


@pytest.mark.parametrize("name", sorted(EXPECTED["files"]))
def test_every_fixture_reads_with_its_expected_values(name: str) -> None:
    want = EXPECTED["files"][name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = cohorte.read_open_data(FIXTURES / "opendata" / name)
    assert isinstance(df, pl.DataFrame)
    assert df.height == want["rows"]
    for col, values in want["columns"].items():
        _same(df[col].to_list(), values, f"{name} {col}")
    for col, total in want["sums"].items():
        assert df[col].sum() == pytest.approx(total), f"{name} {col}"
    restored = [str(w.message) for w in caught if w.category is exceptions.RestoredCellsWarning]
    assert len(restored) == len(want["repaired"]), restored
    for col, n in want["repaired"].items():
        assert any(m.startswith(f"{n} cells of column {col} restored") for m in restored)


def test_typed_columns() -> None:
    df = cohorte.read_open_data(OPEN_MEDIC)
    assert df.schema["CIP13"] == pl.String and df.schema["TOP_GEN"] == pl.String
    assert df.schema["BOITES"] == pl.Int64 and df.schema["REM"] == pl.Float64
    dp = cohorte.read_open_data(FIXTURES / "opendata" / "effectifs_datagouv_sample.csv")
    assert dp.schema["dept"] == pl.String and dp.schema["Ntop"] == pl.Int64
    assert dp.schema["prev"] == pl.Float64 and dp.schema["niveau_prioritaire"] == pl.String
    # The specific readers give the same frames.
    assert cohorte.read_open_medic(OPEN_MEDIC).equals(df)
    assert cohorte.read_data_pathologies(EFFECTIFS).equals(cohorte.read_open_data(EFFECTIFS))


def test_monthly_files_read_as_one_frame() -> None:
    c = EXPECTED["combined"]
    df = cohorte.read_open_data([FIXTURES / "opendata" / f for f in c["files"]])
    assert df.columns[0] == "file" and df.height == c["rows"]
    assert [Path(f).name for f in df["file"].to_list()] == c["columns"]["file"]
    for col in ("FLX_ANN_MOI", "AGE_BEN_SNDS", "FLT_ACT_QTE", "FLT_REM_MNT"):
        _same(df[col].to_list(), c["columns"][col], col)
    with pytest.raises(exceptions.FormatError, match="cannot be combined"):
        cohorte.read_open_data([OPEN_MEDIC, EFFECTIFS])


def test_summary_while_streaming() -> None:
    path = FIXTURES / "opendata" / "OPEN_MEDIC_2019_printed_rows.CSV"
    by_age = cohorte.summarise_open_data(path, sums=["BOITES"], by=["age"])
    want = EXPECTED["files"]["OPEN_MEDIC_2019_printed_rows.CSV"]["by_age_boxes"]
    assert dict(zip(by_age["age"], by_age["BOITES"], strict=True)) == want
    # ATC level 2 V08 in region 93: 19 + 260 + 125 + 27 boxes.
    v08 = cohorte.summarise_open_data(
        path, sums=["BOITES", "REM"], where={"BEN_REG": "93"}, starts_with={"ATC5": "V08"}
    )
    assert v08["BOITES"].to_list() == [431] and v08["rows"].to_list() == [4]
    assert v08["REM"][0] == pytest.approx(1293.64 + 17739.10 + 7785.87 + 1607.05)
    with pytest.raises(exceptions.MissingColumnError, match="NOPE"):
        cohorte.summarise_open_data(path, sums=["NOPE"])


def test_standardised_prevalence(tmp_path: Path) -> None:
    # Every band and sex of two départements: 69 at 1 % everywhere, 2A at 2 % for men only.
    header = "annee;patho_niv1;patho_niv2;patho_niv3;top;cla_age_5;sexe;region;dept;Ntop;Npop;prev"
    bands = [f"{lo:02d}-{lo + 4:02d}" for lo in range(0, 95, 5)] + ["95et+"]
    lines = [header]
    for band in bands:
        for sex in (1, 2):
            lines.append(f"2022;a;;;T;{band};{sex};84;69;10;1000;1.0")
            lines.append(f"2022;a;;;T;{band};{sex};94;2A;{20 if sex == 1 else 0};1000;")
    path = tmp_path / "effectifs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = cohorte.standardise_prevalence(path, by=["dept"])
    # INSEE RP2018 POP1B: the bands sum to 32 280 579 men and 34 451 956 women.
    share = 32_280_579 / (32_280_579 + 34_451_956)
    assert out["dept"].to_list() == ["2A", "69"]
    assert out["std_prev"].to_list() == pytest.approx([2 * share, 1.0])
    assert out["crude_prev"].to_list() == pytest.approx([1.0, 1.0])
    assert (out["std_prev_lower"] < out["std_prev"]).all()
    assert (out["std_prev_upper"] > out["std_prev"]).all()
    lines.pop()
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(exceptions.InvalidArgumentError, match=r"dept=2A.*95et\+, sex 2"):
        cohorte.standardise_prevalence(path, by=["dept"])


def test_bad_files_name_file_line_and_column(tmp_path: Path) -> None:
    lone = tmp_path / "OPEN_MEDIC_2019.CSV"
    rows = (FIXTURES / "opendata" / "OPEN_MEDIC_2019_printed_rows.CSV").read_bytes().split(b"\r\n")
    quoted = [*rows[:2], rows[2].replace(b";A01A;", b';"A01A;'), *rows[3:]]
    lone.write_bytes(b"\r\n".join(quoted))
    with pytest.raises(exceptions.FormatError, match=r"line 3, column 3 \(ATC3\)"):
        cohorte.read_open_data(lone)
    cut = tmp_path / "cut.CSV"
    cut.write_bytes(b"\r\n".join(rows[:3]) + b"\r\n" + rows[3][:20])
    with pytest.raises(exceptions.BadValueError, match=r"row 3.*line 4.*truncated"):
        cohorte.read_open_data(cut)
    other = tmp_path / "contacts.csv"
    other.write_text("nom;prenom\nDupont;Jean\n", encoding="utf-8")
    with pytest.raises(exceptions.FormatError, match="not an open-data file"):
        cohorte.read_open_data(other)


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
