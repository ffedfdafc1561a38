//! Départements and regions (2016 INSEE regions), with legal populations.
//!
//! Populations are the INSEE *populations légales 2021* (population municipale, published in
//! December 2023, in force on 1 January 2024), rounded to the unit as published. They sum to
//! about 67.8 million people, France including Mayotte.

use super::{Departement, Region};

/// The 18 regions in force since 1 January 2016 (13 metropolitan, 5 overseas), by INSEE code.
pub(super) static REGIONS: [Region; 18] = [
    Region {
        code: 1,
        name: "Guadeloupe",
    },
    Region {
        code: 2,
        name: "Martinique",
    },
    Region {
        code: 3,
        name: "Guyane",
    },
    Region {
        code: 4,
        name: "La Réunion",
    },
    Region {
        code: 6,
        name: "Mayotte",
    },
    Region {
        code: 11,
        name: "Île-de-France",
    },
    Region {
        code: 24,
        name: "Centre-Val de Loire",
    },
    Region {
        code: 27,
        name: "Bourgogne-Franche-Comté",
    },
    Region {
        code: 28,
        name: "Normandie",
    },
    Region {
        code: 32,
        name: "Hauts-de-France",
    },
    Region {
        code: 44,
        name: "Grand Est",
    },
    Region {
        code: 52,
        name: "Pays de la Loire",
    },
    Region {
        code: 53,
        name: "Bretagne",
    },
    Region {
        code: 75,
        name: "Nouvelle-Aquitaine",
    },
    Region {
        code: 76,
        name: "Occitanie",
    },
    Region {
        code: 84,
        name: "Auvergne-Rhône-Alpes",
    },
    Region {
        code: 93,
        name: "Provence-Alpes-Côte d'Azur",
    },
    Region {
        code: 94,
        name: "Corse",
    },
];

macro_rules! d {
    ($code:literal, $name:literal, $region:literal, $pop:literal) => {
        Departement {
            code: $code,
            name: $name,
            region: $region,
            population: $pop,
        }
    };
}

/// The 101 départements in INSEE order (Corsica's 2A and 2B where 20 was). The index in this
/// array is [`crate::model::Patient::dept`]: never reorder it.
pub(super) static DEPARTEMENTS: [Departement; 101] = [
    d!("01", "Ain", 84, 657_856),
    d!("02", "Aisne", 32, 529_374),
    d!("03", "Allier", 84, 335_975),
    d!("04", "Alpes-de-Haute-Provence", 93, 166_654),
    d!("05", "Hautes-Alpes", 93, 140_605),
    d!("06", "Alpes-Maritimes", 93, 1_103_941),
    d!("07", "Ardèche", 84, 329_325),
    d!("08", "Ardennes", 44, 268_958),
    d!("09", "Ariège", 76, 155_302),
    d!("10", "Aube", 44, 310_242),
    d!("11", "Aude", 76, 376_124),
    d!("12", "Aveyron", 76, 279_169),
    d!("13", "Bouches-du-Rhône", 93, 2_053_401),
    d!("14", "Calvados", 28, 700_021),
    d!("15", "Cantal", 84, 143_991),
    d!("16", "Charente", 75, 351_603),
    d!("17", "Charente-Maritime", 75, 657_832),
    d!("18", "Cher", 24, 298_505),
    d!("19", "Corrèze", 75, 240_223),
    d!("2A", "Corse-du-Sud", 94, 160_814),
    d!("2B", "Haute-Corse", 94, 182_258),
    d!("21", "Côte-d'Or", 27, 534_582),
    d!("22", "Côtes-d'Armor", 53, 602_200),
    d!("23", "Creuse", 75, 115_702),
    d!("24", "Dordogne", 75, 413_588),
    d!("25", "Doubs", 27, 545_035),
    d!("26", "Drôme", 84, 519_069),
    d!("27", "Eure", 28, 601_843),
    d!("28", "Eure-et-Loir", 24, 431_400),
    d!("29", "Finistère", 53, 918_898),
    d!("30", "Gard", 76, 751_457),
    d!("31", "Haute-Garonne", 76, 1_434_367),
    d!("32", "Gers", 76, 192_145),
    d!("33", "Gironde", 75, 1_654_970),
    d!("34", "Hérault", 76, 1_200_040),
    d!("35", "Ille-et-Vilaine", 53, 1_109_631),
    d!("36", "Indre", 24, 217_139),
    d!("37", "Indre-et-Loire", 24, 612_012),
    d!("38", "Isère", 84, 1_280_924),
    d!("39", "Jura", 27, 258_737),
    d!("40", "Landes", 75, 420_875),
    d!("41", "Loir-et-Cher", 24, 327_542),
    d!("42", "Loire", 84, 765_890),
    d!("43", "Haute-Loire", 84, 228_007),
    d!("44", "Loire-Atlantique", 52, 1_450_821),
    d!("45", "Loiret", 24, 684_064),
    d!("46", "Lot", 76, 174_307),
    d!("47", "Lot-et-Garonne", 75, 331_271),
    d!("48", "Lozère", 76, 76_604),
    d!("49", "Maine-et-Loire", 52, 822_070),
    d!("50", "Manche", 28, 495_045),
    d!("51", "Marne", 44, 566_855),
    d!("52", "Haute-Marne", 44, 170_614),
    d!("53", "Mayenne", 52, 307_351),
    d!("54", "Meurthe-et-Moselle", 44, 733_481),
    d!("55", "Meuse", 44, 181_641),
    d!("56", "Morbihan", 53, 763_255),
    d!("57", "Moselle", 44, 1_046_543),
    d!("58", "Nièvre", 27, 201_720),
    d!("59", "Nord", 32, 2_611_293),
    d!("60", "Oise", 32, 829_419),
    d!("61", "Orne", 28, 276_903),
    d!("62", "Pas-de-Calais", 32, 1_463_628),
    d!("63", "Puy-de-Dôme", 84, 665_202),
    d!("64", "Pyrénées-Atlantiques", 75, 687_240),
    d!("65", "Hautes-Pyrénées", 76, 229_567),
    d!("66", "Pyrénées-Orientales", 76, 482_941),
    d!("67", "Bas-Rhin", 44, 1_152_662),
    d!("68", "Haut-Rhin", 44, 767_842),
    d!("69", "Rhône", 84, 1_883_437),
    d!("70", "Haute-Saône", 27, 234_787),
    d!("71", "Saône-et-Loire", 27, 551_493),
    d!("72", "Sarthe", 52, 566_412),
    d!("73", "Savoie", 84, 439_084),
    d!("74", "Haute-Savoie", 84, 834_681),
    d!("75", "Paris", 11, 2_133_111),
    d!("76", "Seine-Maritime", 28, 1_255_755),
    d!("77", "Seine-et-Marne", 11, 1_432_223),
    d!("78", "Yvelines", 11, 1_454_197),
    d!("79", "Deux-Sèvres", 75, 375_799),
    d!("80", "Somme", 32, 568_491),
    d!("81", "Tarn", 76, 393_106),
    d!("82", "Tarn-et-Garonne", 76, 262_618),
    d!("83", "Var", 93, 1_090_019),
    d!("84", "Vaucluse", 93, 565_337),
    d!("85", "Vendée", 52, 694_388),
    d!("86", "Vienne", 75, 439_901),
    d!("87", "Haute-Vienne", 75, 372_359),
    d!("88", "Vosges", 44, 359_520),
    d!("89", "Yonne", 27, 335_156),
    d!("90", "Territoire de Belfort", 27, 140_191),
    d!("91", "Essonne", 11, 1_313_203),
    d!("92", "Hauts-de-Seine", 11, 1_624_357),
    d!("93", "Seine-Saint-Denis", 11, 1_655_422),
    d!("94", "Val-de-Marne", 11, 1_407_124),
    d!("95", "Val-d'Oise", 11, 1_249_674),
    d!("971", "Guadeloupe", 1, 383_559),
    d!("972", "Martinique", 2, 360_749),
    d!("973", "Guyane", 3, 286_618),
    d!("974", "La Réunion", 4, 871_157),
    d!("976", "Mayotte", 6, 256_518),
];
