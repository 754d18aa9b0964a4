//! The statistics workbook: the figures of section 一 of the bureau's annual report (法治政府
//! 建设工作报告, `statistics::report`) as tables, in the order the report gives them: (一) the
//! enforcement reform and the city campaign, the transferred matters taken over; (二) the
//! publications, reviews and reconsiderations; (三) the cases and fines (with the months) and
//! the supervision of files and people; (四) the services to enterprises; and what is overdue
//! now. Every number is the one `statistics(year, departmentId, town)` answers: rates as the
//! API's `percent` (cut, not rounded) with their parts, money in yuan with two decimals.

use super::labels::{transfer_category_label, transfer_status_label};
use super::sheet::Cell;
use crate::statistics::service::{Figures, Ratio};

/// Column widths of the sheet.
pub const WIDTHS: [f64; 5] = [36.0, 14.0, 10.0, 12.0, 12.0];

/// One table: its title, its column names and its data rows.
pub struct Table {
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// A table of `指标 | 数值 | 单位 | 分子 | 分母`.
struct Figures2 {
    rows: Vec<Vec<Cell>>,
}

impl Figures2 {
    fn new() -> Self {
        Self { rows: Vec::new() }
    }

    fn count(mut self, label: &str, n: i64, unit: &str) -> Self {
        self.rows.push(vec![Cell::text(label), Cell::Int(n), Cell::text(unit)]);
        self
    }

    fn money(mut self, label: &str, fen: i64) -> Self {
        self.rows.push(vec![Cell::text(label), Cell::Money(fen), Cell::text("元")]);
        self
    }

    fn rate(mut self, label: &str, r: Ratio) -> Self {
        self.rows.push(vec![
            Cell::text(label),
            Cell::Text(r.percent()),
            Cell::text("%"),
            Cell::Int(r.numerator),
            Cell::Int(r.denominator),
        ]);
        self
    }

    fn table(self, title: String) -> Table {
        Table { title, header: header(&["指标", "数值", "单位", "分子", "分母"]), rows: self.rows }
    }
}

fn scope_of(f: &Figures) -> String {
    match (&f.scope.town, f.scope.department_id) {
        (Some(town), _) => format!("{}年 · {town}", f.year),
        (None, Some(_)) => format!("{}年 · 本部门", f.year),
        (None, None) => format!("{}年 · 全区", f.year),
    }
}

/// The tables of section 一 for `f`, in the report's order.
pub fn tables(f: &Figures) -> Vec<Table> {
    let scope = scope_of(f);
    let mut out = Vec::new();

    out.push(
        Figures2::new()
            .rate("赋权事项实施率", f.implementation)
            .rate("处罚覆盖率", f.coverage)
            .count("赋权镇街一般程序案件", f.town_cases.general, "件")
            .count("赋权镇街简易程序案件", f.town_cases.simple, "件")
            .count("赋权镇街案件合计", f.town_cases.total(), "件")
            .count("开展执法业务培训", f.trainings_held, "次")
            .table(format!("表1 全面推进执法改革({scope})")),
    );
    out.push(
        Figures2::new()
            .count("劝导流动摊贩", f.vendors_persuaded, "户次")
            .count("帮送流动摊贩入市经营", f.vendors_helped_into_market, "次")
            .count("发出责令改正通知书", f.rectification_notices, "份")
            .count("制止露天焚烧", f.open_burning_stopped, "起")
            .table(format!("表2 综合行政执法行动({scope})")),
    );
    out.push(Table {
        title: format!("表3 承接划转事项(当年申请并承接,{scope})"),
        header: header(&["类别", "件数"]),
        rows: f
            .transfers_received
            .iter()
            .map(|(c, n)| vec![Cell::text(transfer_category_label(*c)), Cell::Int(*n)])
            .collect(),
    });
    out.push(Table {
        title: format!("表4 当年移交申请按现状态({scope})"),
        header: header(&["状态", "件数"]),
        rows: f
            .transfers_by_status
            .iter()
            .map(|(s, n)| vec![Cell::text(transfer_status_label(*s)), Cell::Int(*n)])
            .collect(),
    });
    out.push(
        Figures2::new()
            .count("公开行政许可", f.licence_publications, "件")
            .count("公开行政处罚", f.penalty_publications, "件")
            .count("重大案件法制审核", f.legal_reviews, "次")
            .count("案审委员会会议", f.review_meetings, "次")
            .count("处理行政复议", f.reconsiderations, "件")
            .count("化解行政复议争议", f.reconsiderations_resolved, "件")
            .count("行政诉讼", f.litigations, "件")
            .table(format!("表5 依法行政({scope})")),
    );
    out.push(
        Figures2::new()
            .count("行政处罚案件", f.cases.total(), "件")
            .count("其中简易程序", f.cases.simple, "件")
            .count("其中一般程序", f.cases.general, "件")
            .money("罚没总金额", f.fines_fen)
            .table(format!("表6 行政处罚案件办理情况({scope})")),
    );
    let mut months: Vec<Vec<Cell>> = f
        .by_month
        .iter()
        .map(|m| {
            vec![
                Cell::Text(format!("{}月", m.month)),
                Cell::Int(m.cases.simple),
                Cell::Int(m.cases.general),
                Cell::Int(m.cases.total()),
                Cell::Money(m.fines_fen),
            ]
        })
        .collect();
    let sum = |get: &dyn Fn(&crate::statistics::service::Month) -> i64| f.by_month.iter().map(get).sum::<i64>();
    months.push(vec![
        Cell::text("合计"),
        Cell::Int(sum(&|m| m.cases.simple)),
        Cell::Int(sum(&|m| m.cases.general)),
        Cell::Int(sum(&|m| m.cases.total())),
        Cell::Money(sum(&|m| m.fines_fen)),
    ]);
    out.push(Table {
        title: format!("表7 按决定月份的案件与罚没金额({scope})"),
        header: header(&["月份", "简易程序", "一般程序", "合计", "罚没金额(元)"]),
        rows: months,
    });
    out.push(
        Figures2::new()
            .count("案卷评查", f.file_checks, "件")
            .count("发现问题", f.file_problems, "个")
            .count("整改问题", f.file_problems_rectified, "个")
            .rate("整改率", Ratio { numerator: f.file_problems_rectified, denominator: f.file_problems })
            .count("新增执法人员", f.new_officers, "人")
            .rate("执法证持证率", f.certificates)
            .count("组织开展执法业务培训", f.trainings_held, "次")
            .count("参加省市区举办的培训", f.trainings_attended, "次")
            .count("选送跟案学习人员", f.follow_case_trainees, "人")
            .table(format!("表8 法制监督与队伍建设({scope})")),
    );
    out.push(
        Figures2::new()
            .count("合规指导事项", f.compliance_guidance_items, "项")
            .count("三书同达", f.three_document_deliveries, "次")
            .count("企业信用修复", f.credit_repairs, "家次")
            .count("首违不罚", f.first_violation_exemptions, "次")
            .table(format!("表9 优化执法服务({scope})")),
    );
    out.push(
        Figures2::new()
            .count("超期案件", f.overdue.cases, "件")
            .count("超期未答复移交", f.overdue.transfers, "件")
            .count("超期未复查责令改正通知书", f.overdue.rectification_notices, "份")
            .count("超期未撤回公示", f.overdue.publication_withdrawals, "件")
            .table(format!("表10 当前超期事项({}年导出时)", f.year)),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_follow_the_report_and_carry_the_figures() {
        let f = Figures {
            year: 2023,
            implementation: Ratio { numerator: 87, denominator: 160 },
            fines_fen: 384_250_000,
            by_month: (1..=12)
                .map(|m| crate::statistics::service::Month {
                    month: m,
                    cases: crate::statistics::service::ByProcedure { simple: 2, general: 1 },
                    fines_fen: 100,
                })
                .collect(),
            ..Figures::default()
        };
        let tables = tables(&f);
        assert_eq!(tables.len(), 10);
        assert_eq!(tables[0].rows[0][1], Cell::text("54.37%"));
        assert_eq!(tables[5].rows[3][1], Cell::Money(384_250_000));
        let total = tables[6].rows.last().expect("total");
        assert_eq!(total[3], Cell::Int(36));
        assert_eq!(total[4], Cell::Money(1_200));
    }
}
