//! The streaming fold against the whole-report roll-up it replaced: same inputs, same aggregate.

mod common;

use common::reference::reference;
use common::report_of;
use nianbao_aggregate::fold::Fold;
use nianbao_aggregate::rollup::{Input, rollup};
use nianbao_aggregate::summed::Aggregate;
use nianbao_model::schema::ValueKind;
use nianbao_model::value::MoneyUnit;
use nianbao_model::{Edition, Money, Office, Value};
use nianbao_proto::packed;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn org() -> Office {
    Office {
        code: "org".into(),
        name: "汇总单位".into(),
    }
}

fn edition() -> impl Strategy<Value = Edition> {
    prop_oneof![Just(Edition::E2019), Just(Edition::E2021)]
}

/// One random input: edition, seed, subtotal printed, cells dropped (every n-th), a wrong value
/// kind in one cell, a duplicate office, another year.
type Spec = (Edition, Vec<u32>, bool, usize, Option<usize>, bool, bool);

fn spec() -> impl Strategy<Value = Spec> {
    (
        edition(),
        prop::collection::vec(0u32..1000, 1..30),
        any::<bool>(),
        0usize..12,
        prop::option::weighted(0.15, 0usize..250),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.05),
    )
}

fn inputs(specs: &[Spec]) -> Vec<Input> {
    let mut out = Vec::new();
    for (n, (e, seed, sub, drop_every, wrong, dup, other_year)) in specs.iter().enumerate() {
        let code = format!("o{:03}", (n * 37) % 101);
        let year = if *other_year { 2022 } else { 2023 };
        let mut r = report_of(&code, year, *e, seed, *sub);
        if *drop_every > 1 {
            let keys: Vec<&'static str> = r.cells.keys().copied().collect();
            for k in keys.iter().step_by(*drop_every) {
                r.cells.remove(k);
            }
        }
        if let Some(i) = wrong {
            let defs = e.schema().cells();
            let def = &defs[i % defs.len()];
            let v = match def.kind {
                ValueKind::Money(_) => Value::Count(3),
                _ => Value::Money(Money {
                    amount: Decimal::new(15, 1),
                    unit: MoneyUnit::Yuan,
                }),
            };
            r.cells.insert(def.key, v);
        }
        let revision = 1 + (n as i64 % 3);
        if *dup {
            out.push(Input {
                report: r.clone(),
                revision: revision + 1,
            });
        }
        out.push(Input {
            report: r,
            revision,
        });
    }
    out
}

fn same(a: &Aggregate, b: &Aggregate) -> Result<(), TestCaseError> {
    prop_assert_eq!(&a.report.cells, &b.report.cells);
    prop_assert_eq!(&a.report.office, &b.report.office);
    prop_assert_eq!(&a.report.signature, &b.report.signature);
    prop_assert_eq!(&a.included, &b.included);
    prop_assert_eq!(&a.not_summed, &b.not_summed);
    prop_assert_eq!(&a.partial, &b.partial);
    prop_assert_eq!(&a.notes, &b.notes);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn the_fold_gives_the_whole_report_rollup(
        target in edition(),
        specs in prop::collection::vec(spec(), 0..14),
    ) {
        let inputs = inputs(&specs);
        same(&rollup(target, 2023, &org(), &inputs), &reference(target, 2023, &org(), &inputs))?;
    }

    #[test]
    fn streamed_in_any_order_and_packed_the_fold_gives_the_same_sums(
        target in edition(),
        specs in prop::collection::vec((edition(), prop::collection::vec(0u32..1000, 1..30), any::<bool>(), 0usize..12), 0..14),
        rotate in 0usize..14,
    ) {
        // Valid reports, one per office, on the year: what storage streams.
        let specs: Vec<Spec> = specs.into_iter().map(|(e, s, sub, d)| (e, s, sub, d, None, false, false)).collect();
        let mut inputs = inputs(&specs);
        inputs.sort_by(|a, b| a.report.office.code.cmp(&b.report.office.code));
        inputs.dedup_by(|a, b| a.report.office.code == b.report.office.code);
        let expected = reference(target, 2023, &org(), &inputs);
        if !inputs.is_empty() {
            let k = rotate % inputs.len();
            inputs.rotate_left(k);
        }
        let mut fold = Fold::new(target, 2023, &org());
        for i in &inputs {
            let unpacked = packed::unpack(&packed::pack(&i.report));
            let Ok(u) = unpacked else {
                return Err(TestCaseError::fail(format!("unpack: {unpacked:?}")));
            };
            fold.add_cells(&u.office, u.year, u.edition, i.revision, &u.cells);
        }
        prop_assert_eq!(fold.len(), inputs.len());
        same(&fold.finish(), &expected)?;
    }
}

#[test]
fn an_office_streamed_twice_is_summed_once_and_noted() {
    let r = report_of("a", 2023, Edition::E2021, &[5, 7], true);
    let mut fold = Fold::new(Edition::E2021, 2023, &org());
    fold.add_report(&r, 2);
    fold.add_report(&r, 3);
    let agg = fold.finish();
    let once = reference(
        Edition::E2021,
        2023,
        &org(),
        &[Input {
            report: r,
            revision: 2,
        }],
    );
    assert_eq!(agg.report.cells, once.report.cells);
    assert_eq!(agg.included.len(), 1);
    assert_eq!(agg.included[0].revision, 2);
    assert!(agg.notes.iter().any(|n| n.contains("came more than once")));
}
