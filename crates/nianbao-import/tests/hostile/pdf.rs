//! PDF with cyclic references and cyclic page trees.

use nianbao_import::ImportError;

use crate::{assert_bilingual, timed};

/// A PDF from numbered object bodies, with a correct cross-reference table.
fn pdf(objects: &[(u32, &str)]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let max = objects.iter().map(|(n, _)| *n).max().unwrap_or(0);
    let mut offsets = vec![0usize; max as usize + 1];
    for (n, body) in objects {
        offsets[*n as usize] = out.len();
        out.extend_from_slice(format!("{n} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", max + 1).as_bytes());
    for off in offsets.iter().skip(1) {
        if *off == 0 {
            out.extend_from_slice(b"0000000000 65535 f \n");
        } else {
            out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
        }
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            max + 1
        )
        .as_bytes(),
    );
    out
}

const STREAM: &str =
    "<< /Length 42 >>\nstream\nBT /F1 12 Tf 72 712 Td (Hello world) Tj ET\nendstream";
const FONT: &str = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";

fn pdf_answer(what: &str, bytes: &[u8]) {
    let err = timed(what, bytes, "cyclic.pdf").expect_err("not a report");
    assert!(
        matches!(
            err,
            ImportError::Corrupt { format: "pdf", .. }
                | ImportError::NoText { .. }
                | ImportError::NoReport
        ),
        "{what}: {err}"
    );
    assert_bilingual(&err.to_string());
}

#[test]
fn the_hand_made_pdf_is_readable() {
    let ok = pdf(&[
        (1, "<< /Type /Catalog /Pages 2 0 R >>"),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (
            3,
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        ),
        (4, STREAM),
        (5, FONT),
    ]);
    let err = timed("a one-page PDF", &ok, "ok.pdf").expect_err("not a report");
    assert!(matches!(err, ImportError::NoReport), "text was read: {err}");
}

#[test]
fn pdf_with_cyclic_object_references() {
    // Contents and Resources are references to references that point back.
    let bytes = pdf(&[
        (1, "<< /Type /Catalog /Pages 2 0 R >>"),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (
            3,
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources 6 0 R >>",
        ),
        (4, "5 0 R"),
        (5, "4 0 R"),
        (6, "7 0 R"),
        (7, "6 0 R"),
    ]);
    pdf_answer("a PDF with cyclic references", &bytes);
    // A font whose descendant and encoding refer back to itself; a stream whose length is itself.
    let bytes = pdf(&[
        (1, "<< /Type /Catalog /Pages 2 0 R >>"),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"),
        (
            3,
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        ),
        (
            4,
            "<< /Length 4 0 R >>\nstream\nBT /F1 12 Tf 72 712 Td (Hello world) Tj ET\nendstream",
        ),
        (
            5,
            "<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding 5 0 R /DescendantFonts [5 0 R] /ToUnicode 5 0 R >>",
        ),
    ]);
    pdf_answer("a PDF with a self-referring font and length", &bytes);
}

#[test]
fn pdf_with_a_cyclic_page_tree() {
    // Two page-tree nodes that are each other's kid, and a node that is its own kid.
    let bytes = pdf(&[
        (1, "<< /Type /Catalog /Pages 2 0 R >>"),
        (2, "<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>"),
        (
            3,
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        ),
        (4, STREAM),
        (5, FONT),
        (
            6,
            "<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 6 0 R] /Count 2 >>",
        ),
    ]);
    pdf_answer("a PDF whose page tree is cyclic", &bytes);
    let bytes = pdf(&[
        (1, "<< /Type /Catalog /Pages 2 0 R >>"),
        (2, "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"),
    ]);
    pdf_answer("a PDF whose page tree node is its own kid", &bytes);
    // Inherited resources through a parent chain that loops.
    let bytes = pdf(&[
        (1, "<< /Type /Catalog /Pages 2 0 R >>"),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 /Parent 7 0 R >>"),
        (
            3,
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        ),
        (4, STREAM),
        (7, "<< /Type /Pages /Kids [2 0 R] /Count 1 /Parent 2 0 R >>"),
    ]);
    pdf_answer("a PDF whose parent chain loops", &bytes);
}
