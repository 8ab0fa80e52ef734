//! The 报表 calls of API.md: 阿里巴巴成交比 and the orders behind it.

use reqwest::Method;

use super::client::{ClientError, HubClient, enc};
use crate::api::report::{ConversionReport, ReportColumn, ReportOrders};
use crate::domain::report::Period;

/// Which orders of a report row a drill-down asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowPart {
    /// The outlet's whole subtree.
    Subtree(String),
    /// Orders counted for the outlet itself.
    Own(String),
    /// The HQ pool.
    Pool,
}

impl HubClient {
    /// 阿里巴巴成交比 of `outlet`'s children (the user's own outlet when none).
    pub async fn ali_conversion(
        &self,
        period: Period,
        outlet: Option<&str>,
    ) -> Result<ConversionReport, ClientError> {
        let mut path = format!(
            "/api/v1/reports/ali_conversion?from={}&to={}",
            period.from, period.to
        );
        if let Some(o) = outlet.filter(|o| !o.is_empty()) {
            path.push_str(&format!("&outlet={}", enc(o)));
        }
        self.call::<(), _>(Method::GET, &path, None, None).await
    }

    /// The orders behind one number of the report.
    pub async fn report_orders(
        &self,
        period: Period,
        part: &RowPart,
        column: ReportColumn,
        limit: i64,
        offset: i64,
    ) -> Result<ReportOrders, ClientError> {
        let which = match part {
            RowPart::Subtree(o) => format!("outlet={}", enc(o)),
            RowPart::Own(o) => format!("outlet={}&part=own", enc(o)),
            RowPart::Pool => "part=pool".to_owned(),
        };
        let path = format!(
            "/api/v1/reports/ali_conversion/orders?from={}&to={}&{which}&column={}&limit={limit}&offset={offset}",
            period.from,
            period.to,
            column.as_str()
        );
        self.call::<(), _>(Method::GET, &path, None, None).await
    }
}
