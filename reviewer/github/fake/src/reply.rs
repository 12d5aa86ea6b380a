//! Answers in GitHub's format: JSON bodies, error bodies with `message`,
//! `documentation_url` and `status`, and pagination with the `Link` header GitHub sends.

use axum::http::StatusCode;
use serde_json::{Value, json};

/// The documentation link GitHub gives when it has no more specific one.
pub(crate) const DOCS: &str = "https://docs.github.com/rest";

/// One answer, before the gateway adds the headers every answer carries.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) content_type: &'static str,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(status: StatusCode, value: &Value) -> Reply {
        Reply {
            status,
            content_type: "application/json; charset=utf-8",
            headers: Vec::new(),
            body: value.to_string().into_bytes(),
        }
    }

    pub(crate) fn ok(value: &Value) -> Reply {
        Reply::json(StatusCode::OK, value)
    }

    pub(crate) fn created(value: &Value) -> Reply {
        Reply::json(StatusCode::CREATED, value)
    }

    pub(crate) fn no_content() -> Reply {
        Reply {
            status: StatusCode::NO_CONTENT,
            content_type: "",
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub(crate) fn bytes(content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply {
            status: StatusCode::OK,
            content_type,
            headers: Vec::new(),
            body,
        }
    }

    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }

    /// `{"message": …, "documentation_url": …, "status": "NNN"}`.
    pub(crate) fn error(status: StatusCode, message: &str, documentation_url: &str) -> Reply {
        Reply::json(
            status,
            &json!({
                "message": message,
                "documentation_url": documentation_url,
                "status": status.as_str(),
            }),
        )
    }

    pub(crate) fn not_found(documentation_url: &str) -> Reply {
        Reply::error(StatusCode::NOT_FOUND, "Not Found", documentation_url)
    }

    pub(crate) fn bad_credentials() -> Reply {
        Reply::error(StatusCode::UNAUTHORIZED, "Bad credentials", DOCS)
    }

    pub(crate) fn jwt_required() -> Reply {
        Reply::error(
            StatusCode::UNAUTHORIZED,
            "A JSON web token could not be decoded",
            DOCS,
        )
    }

    pub(crate) fn not_accessible(documentation_url: &str) -> Reply {
        Reply::error(
            StatusCode::FORBIDDEN,
            "Resource not accessible by integration",
            documentation_url,
        )
    }

    /// 422 with GitHub's `errors` list, as the reviews and comments endpoints send it.
    pub(crate) fn unprocessable(errors: &[&str], documentation_url: &str) -> Reply {
        Reply::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({
                "message": "Unprocessable Entity",
                "errors": errors,
                "documentation_url": documentation_url,
                "status": "422",
            }),
        )
    }

    /// 422 `Validation Failed` with one field error, as most create endpoints send it.
    pub(crate) fn validation_failed(
        resource: &str,
        field: &str,
        code: &str,
        documentation_url: &str,
    ) -> Reply {
        Reply::json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({
                "message": "Validation Failed",
                "errors": [{ "resource": resource, "field": field, "code": code }],
                "documentation_url": documentation_url,
                "status": "422",
            }),
        )
    }

    /// 400 for a body that is not the JSON the endpoint takes.
    pub(crate) fn bad_json(documentation_url: &str) -> Reply {
        Reply::error(
            StatusCode::BAD_REQUEST,
            "Problems parsing JSON",
            documentation_url,
        )
    }

    /// 422 for a JSON body of the wrong shape, in GitHub's schema-validation wording.
    pub(crate) fn invalid_request(detail: &str, documentation_url: &str) -> Reply {
        Reply::error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Invalid request.\n\n{detail}"),
            documentation_url,
        )
    }
}

/// The page a list request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    pub(crate) page: usize,
    pub(crate) per_page: usize,
}

impl Paging {
    /// `per_page` defaults to 30 and is capped at 100; `page` counts from 1.
    pub(crate) fn from_query(query: &[(String, String)]) -> Paging {
        let number = |name: &str| {
            query
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        Paging {
            page: number("page").filter(|p| *p > 0).unwrap_or(1),
            per_page: number("per_page").filter(|p| *p > 0).unwrap_or(30).min(100),
        }
    }
}

/// One page of `items`, and its `Link` header when there is more than one page.
///
/// Links are absolute URLs to `url` (the list's address without a query) with the
/// request's own query parameters in their order, `page` replaced and put last, listed as
/// GitHub lists them: `prev`, `next`, `last`, `first`, each present only when it differs
/// from the current page's position.
pub(crate) fn paginate<T: Clone>(
    items: &[T],
    query: &[(String, String)],
    url: &str,
) -> (Vec<T>, Option<String>) {
    let paging = Paging::from_query(query);
    let pages = items.len().div_ceil(paging.per_page).max(1);
    let start = (paging.page - 1).saturating_mul(paging.per_page);
    let slice: Vec<T> = items
        .iter()
        .skip(start)
        .take(paging.per_page)
        .cloned()
        .collect();
    if pages == 1 {
        return (slice, None);
    }
    let link = |page: usize, rel: &str| {
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (k, v) in query.iter().filter(|(k, _)| k != "page") {
            serializer.append_pair(k, v);
        }
        serializer.append_pair("page", &page.to_string());
        format!("<{url}?{}>; rel=\"{rel}\"", serializer.finish())
    };
    let mut links = Vec::new();
    if paging.page > 1 {
        links.push(link((paging.page - 1).min(pages), "prev"));
    }
    if paging.page < pages {
        links.push(link(paging.page + 1, "next"));
        links.push(link(pages, "last"));
    }
    if paging.page > 1 {
        links.push(link(1, "first"));
    }
    (slice, Some(links.join(", ")))
}

/// A paginated JSON list answer.
pub(crate) fn page_reply(items: &[Value], query: &[(String, String)], url: &str) -> Reply {
    let (page, link) = paginate(items, query, url);
    let reply = Reply::ok(&Value::Array(page));
    match link {
        Some(link) => reply.with_header("link", link),
        None => reply,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn per_page_defaults_to_30_and_is_capped_at_100() {
        assert_eq!(
            Paging::from_query(&[]),
            Paging {
                page: 1,
                per_page: 30
            }
        );
        assert_eq!(
            Paging::from_query(&query(&[("per_page", "500"), ("page", "0")])),
            Paging {
                page: 1,
                per_page: 100
            }
        );
    }

    #[test]
    fn the_first_page_links_next_and_last() {
        let items: Vec<u32> = (0..250).collect();
        let (page, link) = paginate(&items, &query(&[("per_page", "100")]), "http://h/x");
        assert_eq!(page.len(), 100);
        assert_eq!(
            link.as_deref(),
            Some(
                "<http://h/x?per_page=100&page=2>; rel=\"next\", <http://h/x?per_page=100&page=3>; rel=\"last\""
            )
        );
    }

    #[test]
    fn a_middle_page_links_all_four_and_the_last_page_only_back() {
        let items: Vec<u32> = (0..250).collect();
        let (_, middle) = paginate(
            &items,
            &query(&[("page", "2"), ("per_page", "100")]),
            "http://h/x",
        );
        assert_eq!(
            middle.as_deref(),
            Some(
                "<http://h/x?per_page=100&page=1>; rel=\"prev\", <http://h/x?per_page=100&page=3>; rel=\"next\", <http://h/x?per_page=100&page=3>; rel=\"last\", <http://h/x?per_page=100&page=1>; rel=\"first\""
            )
        );
        let (last_page, last) = paginate(
            &items,
            &query(&[("per_page", "100"), ("page", "3")]),
            "http://h/x",
        );
        assert_eq!(last_page.len(), 50);
        assert_eq!(
            last.as_deref(),
            Some(
                "<http://h/x?per_page=100&page=2>; rel=\"prev\", <http://h/x?per_page=100&page=1>; rel=\"first\""
            )
        );
    }

    #[test]
    fn one_page_has_no_link() {
        let items: Vec<u32> = (0..3).collect();
        assert_eq!(paginate(&items, &[], "http://h/x").1, None);
    }
}
