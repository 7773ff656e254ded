//! `nianbao aggregate`, `nianbao compare` and `nianbao export`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use nianbao_model::Report;
use nianbao_proto::aggregate::v1 as pb;
use nianbao_proto::render::v1::Format as RenderFormat;
use serde_json::json;

use super::{AggregateArgs, CompareArgs, ExportArgs, connect, refused, runtime, selection, usage};
use crate::cmd::remote;
use crate::output;

/// Writes text to a file, or to stdout when no file is given.
fn write_out(out: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match out {
        Some(p) => std::fs::write(p, text)
            .with_context(|| format!("cannot write {} / 无法写入文件", p.display())),
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .context("cannot write to stdout"),
    }
}

/// Streams an export into a file or stdout, chunk by chunk.
async fn stream_export(
    args: &super::ClientArgs,
    request: pb::ExportRequest,
    out: Option<&Path>,
) -> anyhow::Result<Result<u64, tonic::Status>> {
    let mut client = connect(args).await?;
    match client.export(request).await {
        Ok(s) => write_stream(s.into_inner(), |m| m.chunk, out).await,
        Err(s) => Ok(Err(s)),
    }
}

/// Streams the city report, rendered through the services, into a file or stdout.
async fn stream_city(
    args: &super::ClientArgs,
    request: pb::CityReportRequest,
    out: Option<&Path>,
) -> anyhow::Result<Result<u64, tonic::Status>> {
    let mut client = connect(args).await?;
    match client.render_city_report(request).await {
        Ok(s) => write_stream(s.into_inner(), |m| m.chunk, out).await,
        Err(s) => Ok(Err(s)),
    }
}

/// Writes the chunks of a stream into a file or stdout as they arrive.
async fn write_stream<T>(
    mut stream: tonic::Streaming<T>,
    chunk: fn(T) -> Vec<u8>,
    out: Option<&Path>,
) -> anyhow::Result<Result<u64, tonic::Status>> {
    let mut sink: Box<dyn Write> = match out {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p)
                .with_context(|| format!("cannot create {} / 无法创建文件", p.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut written = 0u64;
    loop {
        match stream.message().await {
            Ok(Some(m)) => {
                let bytes = chunk(m);
                sink.write_all(&bytes)
                    .context("cannot write the output / 无法写入输出")?;
                written += bytes.len() as u64;
            }
            Ok(None) => break,
            Err(s) => return Ok(Err(s)),
        }
    }
    sink.flush()
        .context("cannot write the output / 无法写入输出")?;
    Ok(Ok(written))
}

fn export_format(name: &str) -> Option<pb::ExportFormat> {
    match name.to_lowercase().as_str() {
        "csv" => Some(pb::ExportFormat::Csv),
        "xlsx" => Some(pb::ExportFormat::Xlsx),
        "json" => Some(pb::ExportFormat::Json),
        _ => None,
    }
}

/// `nianbao export`.
pub fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let Some(format) = export_format(&args.format) else {
        return usage(format!(
            "--format {}: expected csv, xlsx or json / 导出格式应为 csv、xlsx 或 json",
            args.format
        ));
    };
    if format == pb::ExportFormat::Xlsx && args.out.is_none() && output::is_tty() {
        return usage(
            "xlsx is binary: give -o FILE or redirect stdout / xlsx 请用 -o 指定文件".into(),
        );
    }
    let request = pb::ExportRequest {
        org: args.org.clone(),
        year: args.year,
        format: format as i32,
        selection: selection(args.accepted_only),
    };
    let rt = runtime()?;
    match rt.block_on(stream_export(&args.client, request, args.out.as_deref()))? {
        Ok(bytes) => {
            if let Some(p) = &args.out {
                if args.json {
                    println!(
                        "{}",
                        json!({"file": p.display().to_string(), "bytes": bytes})
                    );
                } else {
                    eprintln!("wrote {} ({bytes} bytes)", p.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(s) => Ok(refused(&s)),
    }
}

fn included_section(resp: &pb::AggregateResponse) -> String {
    let mut text = format!(
        "本报告汇总了以下 {} 个单位的年度报告：",
        resp.included.len()
    );
    for i in &resp.included {
        text.push_str(&format!(
            "\n{} {}（第 {} 版）",
            i.office_code, i.office_name, i.revision
        ));
    }
    text
}

fn indicator_value(i: &pb::Indicator) -> String {
    if i.value.is_empty() {
        format!("—（n = {}）", i.denominator)
    } else {
        i.value.clone()
    }
}

fn summary_json(resp: &pb::AggregateResponse, report: &Report) -> serde_json::Value {
    json!({
        "report": nianbao_model::interchange::to_value(report),
        "included": resp.included.iter().map(|i| json!({"office_code": i.office_code, "office_name": i.office_name,
            "revision": i.revision, "edition": remote::edition_name(i.edition)})).collect::<Vec<_>>(),
        "not_summed": resp.not_summed,
        "indicators": resp.indicators.iter().map(|i| json!({"key": i.key, "label_zh": i.label_zh,
            "value": if i.value.is_empty() { serde_json::Value::Null } else { i.value.clone().into() },
            "numerator": i.numerator, "denominator": i.denominator})).collect::<Vec<_>>(),
        "findings": resp.findings.iter().map(|f| json!({"rule": f.rule, "cells": f.cells,
            "severity": remote::severity_name(f.severity), "message_zh": f.message_zh,
            "message_en": f.message_en})).collect::<Vec<_>>(),
    })
}

fn print_summary(resp: &pb::AggregateResponse, report: &Report) {
    println!(
        "{} {} 年度汇总（{} 版），共 {} 个单位",
        report.office.code,
        report.year,
        report.edition,
        resp.included.len()
    );
    let rows: Vec<Vec<String>> = resp
        .included
        .iter()
        .map(|i| {
            vec![
                i.office_code.clone(),
                i.office_name.clone(),
                i.revision.to_string(),
            ]
        })
        .collect();
    output::table(&["单位代码", "单位名称", "版本"], &rows);
    println!();
    let schema = report.schema();
    let rows: Vec<Vec<String>> = schema
        .headline()
        .map(|d| {
            vec![
                schema.label_zh(d),
                report
                    .cells
                    .get(d.key)
                    .map(ToString::to_string)
                    .unwrap_or("—".into()),
            ]
        })
        .collect();
    output::table(&["单元格", "合计"], &rows);
    println!();
    let rows: Vec<Vec<String>> = resp
        .indicators
        .iter()
        .map(|i| {
            vec![
                i.label_zh.clone(),
                indicator_value(i),
                format!("{}/{}", i.numerator, i.denominator),
            ]
        })
        .collect();
    output::table(&["指标", "数值", "分子/分母"], &rows);
    for n in &resp.not_summed {
        println!("{} {n}", output::paint("未汇总", 33));
    }
    for f in &resp.findings {
        let tag = if remote::is_error(f.severity) {
            output::paint("错误", 31)
        } else {
            output::paint("提示", 33)
        };
        println!("{tag} {}", f.message_zh);
    }
}

/// `nianbao aggregate`.
pub fn aggregate(args: AggregateArgs) -> anyhow::Result<ExitCode> {
    let format = args.format.as_deref().map(str::to_lowercase);
    if format.as_deref() == Some("xlsx") {
        let request = pb::ExportRequest {
            org: args.org.clone(),
            year: args.year,
            format: pb::ExportFormat::Xlsx as i32,
            selection: selection(args.accepted_only),
        };
        if args.out.is_none() && output::is_tty() {
            return usage("xlsx is binary: give -o FILE / xlsx 请用 -o 指定文件".into());
        }
        let rt = runtime()?;
        return match rt.block_on(stream_export(&args.client, request, args.out.as_deref()))? {
            Ok(_) => Ok(ExitCode::SUCCESS),
            Err(s) => Ok(refused(&s)),
        };
    }
    let document = match format.as_deref() {
        None | Some("json") => None,
        Some("html") => Some(RenderFormat::Html),
        Some("docx") => Some(RenderFormat::Docx),
        Some("pdf") => Some(RenderFormat::Pdf),
        Some("md" | "markdown") => Some(RenderFormat::Markdown),
        Some(other) => {
            return usage(format!(
                "--format {other}: expected json, html, docx, pdf, md or xlsx / 格式应为 json、html、docx、pdf、md 或 xlsx"
            ));
        }
    };
    let rt = runtime()?;
    if let Some(document) = document {
        if document != RenderFormat::Html
            && document != RenderFormat::Markdown
            && args.out.is_none()
            && output::is_tty()
        {
            return usage("this format is binary: give -o FILE or redirect stdout / 二进制格式请用 -o 指定文件".into());
        }
        let request = pb::CityReportRequest {
            org: args.org.clone(),
            year: args.year,
            selection: selection(args.accepted_only),
            format: document as i32,
        };
        return match rt.block_on(stream_city(&args.client, request, args.out.as_deref()))? {
            Ok(_) => Ok(ExitCode::SUCCESS),
            Err(s) => Ok(refused(&s)),
        };
    }
    let resp = rt.block_on(async {
        let mut c = connect(&args.client).await?;
        anyhow::Ok(
            c.aggregate(pb::AggregateRequest {
                org: args.org.clone(),
                year: args.year,
                selection: selection(args.accepted_only),
                // The interchange JSON is the city's own report to edit: drafted prose.
                draft: format.as_deref() == Some("json"),
            })
            .await,
        )
    })?;
    let resp = match resp {
        Ok(r) => r.into_inner(),
        Err(s) => return Ok(refused(&s)),
    };
    let pb_report = resp
        .report
        .clone()
        .context("the server sent no report / 服务器未返回报告")?;
    let mut report = Report::try_from(pb_report)
        .context("the server sent an invalid report / 服务器返回的报告无效")?;
    if format.is_none() {
        if args.json {
            println!("{}", summary_json(&resp, &report));
        } else {
            print_summary(&resp, &report);
        }
        return Ok(ExitCode::SUCCESS);
    }
    report
        .sections
        .insert("included".into(), included_section(&resp));
    let text = nianbao_model::interchange::to_json(&report) + "\n";
    write_out(args.out.as_deref(), &text)?;
    Ok(ExitCode::SUCCESS)
}

/// `nianbao compare`.
pub fn compare(args: CompareArgs) -> anyhow::Result<ExitCode> {
    let rt = runtime()?;
    let resp = rt.block_on(async {
        let mut c = connect(&args.client).await?;
        anyhow::Ok(
            c.compare(pb::CompareRequest {
                org: args.org.clone(),
                years: args.years.clone(),
                cells: args.cells.clone(),
            })
            .await,
        )
    })?;
    let resp = match resp {
        Ok(r) => r.into_inner(),
        Err(s) => return Ok(refused(&s)),
    };
    if args.json {
        let rows: Vec<_> = resp
            .rows
            .iter()
            .map(|r| json!({"label": r.label, "values": r.values, "ranks": r.ranks}))
            .collect();
        println!(
            "{}",
            json!({"org": args.org, "years": args.years, "cells": resp.cells, "rows": rows})
        );
        return Ok(ExitCode::SUCCESS);
    }
    let by = if args.years.len() == 1 {
        "单位"
    } else {
        "年度"
    };
    let mut header = vec![by.to_string()];
    header.extend(resp.cells.iter().cloned());
    let rows: Vec<Vec<String>> = resp
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![r.label.clone()];
            for (i, v) in r.values.iter().enumerate() {
                let rank = r.ranks.get(i).copied().unwrap_or(0);
                row.push(match (v.is_empty(), rank) {
                    (true, _) => "—".into(),
                    (false, 0) => v.clone(),
                    (false, k) => format!("{v} (#{k})"),
                });
            }
            row
        })
        .collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    output::table(&header, &rows);
    Ok(ExitCode::SUCCESS)
}
