//! The Chinese names a spreadsheet shows for the stored enumerations.

use entity::enums::{CaseStatus, Procedure, TransferCategory, TransferStatus};

pub fn procedure_label(p: Procedure) -> &'static str {
    match p {
        Procedure::Simple => "简易程序",
        Procedure::General => "一般程序",
    }
}

pub fn case_status_label(s: CaseStatus) -> &'static str {
    match s {
        CaseStatus::Filed => "已立案",
        CaseStatus::Investigating => "调查取证",
        CaseStatus::NoticeServed => "已告知",
        CaseStatus::Hearing => "听证",
        CaseStatus::LegalReview => "法制审核",
        CaseStatus::Decided => "已决定",
        CaseStatus::Delivered => "已送达",
        CaseStatus::Closed => "已结案",
        CaseStatus::NotPenalized => "不予处罚",
        CaseStatus::TransferredOut => "已移送",
        CaseStatus::Cancelled => "撤销立案",
    }
}

pub fn transfer_status_label(s: TransferStatus) -> &'static str {
    match s {
        TransferStatus::Pending => "待接收",
        TransferStatus::Accepted => "已承接",
        TransferStatus::Rejected => "不予接收",
        TransferStatus::Returned => "退回补正",
        TransferStatus::Withdrawn => "已撤回",
    }
}

pub fn transfer_category_label(c: TransferCategory) -> &'static str {
    match c {
        TransferCategory::Forestry => "林业督查",
        TransferCategory::BidRigging => "串标",
        TransferCategory::ProvidentFund => "公积金",
        TransferCategory::Other => "其他",
    }
}
