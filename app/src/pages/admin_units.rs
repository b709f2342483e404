//! Units: the tree of one's subtree, a unit's page (details, succession, counters, kiosks,
//! staff), and the forms to create, edit and merge.

use super::{path_id, PageResult};
use crate::components::form::{checkbox, hidden, input, select};
use crate::components::layout::{fmt_date, page_head};
use crate::ctx::Ctx;
use crate::db::units::{self, Unit, UnitGroup};
use crate::db::{accounts, kiosks};
use crate::domain::unit::UNIT_KINDS;
use crate::domain::{Permission, UnitPath};
use crate::i18n::{t, tf, Lang};
use axum::extract::Path;
use leptos::prelude::*;

fn today() -> chrono::NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive()
}

/// Options for a unit picker: indented by depth, ended units marked.
pub fn unit_options(list: &[Unit], only_in_force: bool) -> Vec<(String, String)> {
    let day = today();
    list.iter()
        .filter(|u| !only_in_force || u.in_force_on(day))
        .map(|u| {
            let depth = u.unit_path().depth();
            let mut label = format!("{}{}", "— ".repeat(depth), u.name);
            if !u.in_force_on(day) {
                label.push_str(&format!(" ({})", t("unit.ended")));
            }
            (u.id.to_string(), label)
        })
        .collect()
}

fn group_name(lang: Lang, u: &Unit) -> String {
    match lang {
        Lang::En => u.group_name_en.clone(),
        Lang::Vi => u.group_name_vi.clone(),
    }
    .unwrap_or_default()
}

fn group_options(lang: Lang, groups: &[UnitGroup]) -> Vec<(String, String)> {
    groups
        .iter()
        .map(|g| {
            (
                g.id.to_string(),
                if lang == Lang::En {
                    g.name_en.clone()
                } else {
                    g.name_vi.clone()
                },
            )
        })
        .collect()
}

fn kind_options() -> Vec<(String, String)> {
    UNIT_KINDS
        .iter()
        .map(|k| (k.to_string(), t(&format!("unit.kind.{k}"))))
        .collect()
}

fn status_badge(u: &Unit) -> AnyView {
    if u.in_force_on(today()) {
        view! { <span class="badge badge-ok">{t("unit.in_force")}</span> }.into_any()
    } else if u.effective_from > today() {
        view! { <span class="badge badge-info">{tf("unit.from", &[("date", &fmt_date(u.effective_from))])}</span> }.into_any()
    } else {
        view! { <span class="badge badge-muted">{t("unit.ended")}</span> }.into_any()
    }
}

pub async fn list(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ViewUnit, None)?.clone();
    let list = units::subtree(ctx.db(), user.scope.as_str()).await?;
    let links = units::all_links(ctx.db()).await?;
    let can_manage = user.can(Permission::ManageUnits, None);
    let lang = ctx.lang;
    let base_depth = user.scope.depth();
    Ok(ctx.render(&ctx.lang.t("units.title"), move || {
        let names: std::collections::HashMap<i64, String> = list.iter().map(|u| (u.id, u.name.clone())).collect();
        let actions = can_manage.then(|| view! {
            <div class="page-actions">
                <a class="btn btn-primary" href="/admin/units/new">{t("units.new")}</a>
                <a class="btn btn-secondary" href="/admin/units/merge">{t("units.merge")}</a>
            </div>
        });
        view! {
            {page_head(t("units.title"), Some(t("units.lead")))}
            {actions}
            <ul class="tree">
                {list.iter().map(|u| {
                    let depth = u.unit_path().depth().saturating_sub(base_depth).min(5);
                    let succ: Vec<String> = links.iter().filter(|(p, _)| *p == u.id).filter_map(|(_, s)| names.get(s).cloned()).collect();
                    let preds: Vec<String> = links.iter().filter(|(_, s)| *s == u.id).filter_map(|(p, _)| names.get(p).cloned()).collect();
                    view! {
                        <li class=format!("depth-{depth}")>
                            <a class="unit-link" href=format!("/admin/units/{}", u.id)>{u.name.clone()}</a>
                            " " <span class="badge badge-muted">{u.code.clone()}</span>
                            " " {(!group_name(lang, u).is_empty()).then(|| view! { <span class="badge badge-info">{group_name(lang, u)}</span> })}
                            " " {status_badge(u)}
                            {(!succ.is_empty()).then(|| view! { <span class="small muted">" → " {succ.join(", ")}</span> })}
                            {(!preds.is_empty()).then(|| view! { <span class="small muted">" ← " {preds.join(", ")}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    }))
}

pub async fn show(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    ctx.user()?;
    let id = path_id(&id)?;
    let unit = units::get(ctx.db(), id).await?;
    let user = ctx
        .require(Permission::ViewUnit, Some(&unit.unit_path()))?
        .clone();
    let (preds, succs) = units::links(ctx.db(), id).await?;
    let children: Vec<Unit> = units::subtree(ctx.db(), &unit.path)
        .await?
        .into_iter()
        .filter(|u| u.parent_id == Some(id))
        .collect();
    let counters = kiosks::counters_of_unit(ctx.db(), id).await?;
    let kiosk_list = kiosks::kiosks_of_unit(ctx.db(), id).await?;
    let staff = accounts::of_unit(ctx.db(), id).await?;
    let path = unit.unit_path();
    let can_edit = user.can(Permission::ManageUnits, Some(&path)) && unit.parent_id.is_some();
    let can_add_child = user.can(Permission::ManageUnits, Some(&path));
    let can_kiosks = user.can(Permission::ManageKiosks, Some(&path));
    let can_accounts = user.can(Permission::ManageAccounts, Some(&path));
    let lang = ctx.lang;
    let f = ctx.form("counter");
    Ok(ctx.render(&unit.name.clone(), move || {
        let actions = view! {
            <div class="page-actions">
                {can_edit.then(|| view! { <a class="btn btn-primary" href=format!("/admin/units/{id}/edit")>{t("units.edit")}</a> })}
                {can_add_child.then(|| view! { <a class="btn btn-secondary" href=format!("/admin/units/new?parent={id}")>{t("units.new_child")}</a> })}
                {can_accounts.then(|| view! { <a class="btn btn-secondary" href=format!("/admin/accounts/new?unit={id}")>{t("accounts.new")}</a> })}
            </div>
        };
        view! {
            {page_head(unit.name.clone(), Some(format!("{} · {}", unit.code, t(&format!("unit.kind.{}", unit.kind)))))}
            {actions}
            <div class="grid-2">
                <section class="card">
                    <h2>{t("unit.details")}</h2>
                    <dl class="facts">
                        <dt>{t("unit.group")}</dt><dd>{group_name(lang, &unit)}</dd>
                        <dt>{t("unit.address")}</dt><dd>{unit.address.clone()}</dd>
                        <dt>{t("unit.effective_from")}</dt><dd>{fmt_date(unit.effective_from)}</dd>
                        <dt>{t("unit.effective_to")}</dt><dd>{unit.effective_to.map(fmt_date).unwrap_or_else(|| "—".into())}</dd>
                        <dt>{t("unit.status")}</dt><dd>{status_badge(&unit)}</dd>
                    </dl>
                </section>
                <section class="card">
                    <h2>{t("unit.history")}</h2>
                    {(preds.is_empty() && succs.is_empty()).then(|| view! { <p class="muted">{t("unit.no_history")}</p> })}
                    {(!preds.is_empty()).then(|| view! {
                        <p>{t("unit.predecessors")}</p>
                        <ul>{preds.iter().map(|l| view! { <li><a href=format!("/admin/units/{}", l.unit_id)>{l.name.clone()}</a> " (" {l.code.clone()} ") · " {tf("unit.since", &[("date", &fmt_date(l.effective_on))])}</li> }).collect_view()}</ul>
                    })}
                    {(!succs.is_empty()).then(|| view! {
                        <p>{t("unit.successors")}</p>
                        <ul>{succs.iter().map(|l| view! { <li><a href=format!("/admin/units/{}", l.unit_id)>{l.name.clone()}</a> " (" {l.code.clone()} ") · " {tf("unit.since", &[("date", &fmt_date(l.effective_on))])}</li> }).collect_view()}</ul>
                    })}
                </section>
            </div>
            {(!children.is_empty()).then(|| view! {
                <section class="card">
                    <h2>{t("unit.children")}</h2>
                    <ul>{children.iter().map(|c| view! { <li><a href=format!("/admin/units/{}", c.id)>{c.name.clone()}</a> " " {status_badge(c)}</li> }).collect_view()}</ul>
                </section>
            })}
            <section class="card">
                <h2>{t("unit.counters")}</h2>
                {counters.is_empty().then(|| view! { <p class="muted">{t("unit.no_counters")}</p> })}
                <ul>
                    {counters.iter().map(|c| {
                        let ks: Vec<_> = kiosk_list.iter().filter(|k| k.counter_id == c.id).cloned().collect();
                        view! {
                            <li>
                                <strong>{c.name.clone()}</strong> " " <span class="muted">{c.location.clone()}</span>
                                <ul>{ks.into_iter().map(|k| view! {
                                    <li>
                                        {if can_kiosks { view! { <a href=format!("/admin/kiosks/{}", k.id)>{k.name.clone()}</a> }.into_any() } else { view! { <span>{k.name.clone()}</span> }.into_any() }}
                                        " · " {tf("kiosk.faces_n", &[("n", &k.faces.to_string())])}
                                        " " {if k.active { view! { <span class="badge badge-ok">{t("kiosk.active")}</span> }.into_any() } else { view! { <span class="badge badge-muted">{t("kiosk.inactive")}</span> }.into_any() }}
                                    </li>
                                }).collect_view()}</ul>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {can_kiosks.then(|| view! {
                    <details class="disclosure">
                        <summary>{t("counter.new")}</summary>
                        <form class="form" method="post" action="/api/counters/create">
                            {hidden("unit_id", id.to_string())}
                            {input(&f, "name", "counter.name", "text", "", true, None)}
                            {input(&f, "location", "counter.location", "text", "", false, None)}
                            <div class="actions"><button class="btn btn-primary" type="submit">{t("counter.create")}</button></div>
                        </form>
                    </details>
                    <p><a class="btn btn-secondary" href=format!("/admin/kiosks/new?unit={id}")>{t("kiosks.new")}</a></p>
                })}
            </section>
            <section class="card">
                <h2>{t("unit.staff")}</h2>
                {staff.is_empty().then(|| view! { <p class="muted">{t("unit.no_staff")}</p> })}
                <ul>{staff.iter().map(|a| view! {
                    <li>
                        {if can_accounts { view! { <a href=format!("/admin/accounts/{}", a.id)>{a.full_name.clone()}</a> }.into_any() } else { view! { <span>{a.full_name.clone()}</span> }.into_any() }}
                        " · " {t(a.role().label_key())}
                        {(!a.active).then(|| view! { " " <span class="badge badge-muted">{t("account.locked")}</span> })}
                    </li>
                }).collect_view()}</ul>
            </section>
        }
    }))
}

/// The form shared by "new unit" and "edit unit".
fn unit_form(
    f: crate::ctx::FormView,
    lang: Lang,
    unit: Option<Unit>,
    parent_default: String,
    scope_units: Vec<Unit>,
    groups: Vec<UnitGroup>,
) -> impl IntoView {
    let d = |v: Option<String>| v.unwrap_or_default();
    let u = unit.clone();
    let id_field = unit.as_ref().map(|u| hidden("id", u.id.to_string()));
    // A unit cannot move under itself or its own subtree.
    let own_path = unit.as_ref().map(|u| u.unit_path());
    let parents: Vec<Unit> = scope_units
        .into_iter()
        .filter(|p| {
            own_path
                .as_ref()
                .is_none_or(|own| !own.contains(&p.unit_path()))
        })
        .collect();
    view! {
        <form class="form" method="post" action="/api/units/save">
            {id_field}
            {select(&f, "parent_id", "unit.parent", unit_options(&parents, false), &parent_default, true)}
            <div class="field-row">
                {input(&f, "code", "unit.code", "text", &d(u.as_ref().map(|u| u.code.clone())), true, Some(t("unit.code_hint")))}
                {input(&f, "name", "unit.name", "text", &d(u.as_ref().map(|u| u.name.clone())), true, None)}
            </div>
            <div class="field-row">
                {select(&f, "kind", "unit.kind", kind_options(), &d(u.as_ref().map(|u| u.kind.clone())), true)}
                {select(&f, "group_id", "unit.group", group_options(lang, &groups), &d(u.as_ref().and_then(|u| u.group_id.map(|g| g.to_string()))), false)}
            </div>
            {input(&f, "address", "unit.address", "text", &d(u.as_ref().map(|u| u.address.clone())), false, None)}
            <div class="field-row">
                {input(&f, "effective_from", "unit.effective_from", "date", &d(u.as_ref().map(|u| u.effective_from.to_string())), true, None)}
                {input(&f, "effective_to", "unit.effective_to", "date", &d(u.as_ref().and_then(|u| u.effective_to.map(|x| x.to_string()))), false, Some(t("unit.effective_to_hint")))}
            </div>
            <div class="actions"><button class="btn btn-primary" type="submit">{t("form.save")}</button></div>
        </form>
    }
}

pub async fn new_form(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ManageUnits, None)?.clone();
    let scope_units = units::subtree(ctx.db(), user.scope.as_str()).await?;
    let groups = units::groups(ctx.db()).await?;
    let parent = ctx.q("parent");
    let parent = if parent.is_empty() {
        user.unit_id.to_string()
    } else {
        parent
    };
    let f = ctx.form("unit");
    let lang = ctx.lang;
    let today = today().to_string();
    Ok(ctx.render(&ctx.lang.t("units.new"), move || {
        let _ = &today;
        view! {
            {page_head(t("units.new"), None)}
            <section class="card">{unit_form(f, lang, None, parent, scope_units, groups)}</section>
        }
    }))
}

pub async fn edit_form(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    ctx.user()?;
    let id = path_id(&id)?;
    let unit = units::get(ctx.db(), id).await?;
    let user = ctx
        .require(Permission::ManageUnits, Some(&unit.unit_path()))?
        .clone();
    if unit.parent_id.is_none() {
        return Err(crate::error::AppError::Forbidden);
    }
    let scope_units = units::subtree(ctx.db(), user.scope.as_str()).await?;
    let groups = units::groups(ctx.db()).await?;
    let f = ctx.form("unit");
    let lang = ctx.lang;
    let parent = unit.parent_id.map(|p| p.to_string()).unwrap_or_default();
    let title = ctx.lang.tf("units.edit_title", &[("name", &unit.name)]);
    Ok(ctx.render(&title.clone(), move || {
        view! {
            {page_head(title, None)}
            <section class="card">{unit_form(f, lang, Some(unit), parent, scope_units, groups)}</section>
        }
    }))
}

pub async fn merge_form(ctx: Ctx) -> PageResult {
    let user = ctx.require(Permission::ManageUnits, None)?.clone();
    let scope_units = units::subtree(ctx.db(), user.scope.as_str()).await?;
    let groups = units::groups(ctx.db()).await?;
    let f = ctx.form("merge");
    let lang = ctx.lang;
    let day = today();
    let chosen: Vec<String> = f
        .value("predecessors", "")
        .split(',')
        .map(str::to_string)
        .collect();
    let scope = user.scope.clone();
    Ok(ctx.render(&ctx.lang.t("units.merge"), move || {
        let candidates: Vec<&Unit> = scope_units.iter().filter(|u| u.parent_id.is_some() && u.in_force_on(day) && scope.contains(&u.unit_path())).collect();
        let pred_err = f.error("predecessors");
        let has_pred_err = pred_err.is_some();
        view! {
            {page_head(t("units.merge"), Some(t("units.merge_lead")))}
            <section class="card">
                <form class="form" method="post" action="/api/units/merge">
                    <fieldset class=if has_pred_err { "checks has-error" } else { "checks" }>
                        <legend>{t("merge.predecessors")}</legend>
                        {pred_err.map(|e| view! { <p class="error-text">{e}</p> })}
                        {candidates.iter().enumerate().map(|(i, u)| {
                            let checked = chosen.contains(&u.id.to_string());
                            view! {
                                <label class="check">
                                    <input type="checkbox" name=format!("predecessors[{i}]") value=u.id.to_string() checked=checked/>
                                    " " {u.name.clone()} " " <span class="muted small">{u.code.clone()}</span>
                                </label>
                            }
                        }).collect_view()}
                    </fieldset>
                    <h2>{t("merge.successor")}</h2>
                    {select(&f, "parent_id", "unit.parent", unit_options(&scope_units, true), &user.unit_id.to_string(), true)}
                    <div class="field-row">
                        {input(&f, "code", "unit.code", "text", "", true, Some(t("unit.code_hint")))}
                        {input(&f, "name", "unit.name", "text", "", true, None)}
                    </div>
                    <div class="field-row">
                        {select(&f, "kind", "unit.kind", kind_options(), "commune", true)}
                        {select(&f, "group_id", "unit.group", group_options(lang, &groups), "", false)}
                    </div>
                    {input(&f, "address", "unit.address", "text", "", false, None)}
                    {input(&f, "effective_from", "merge.effective_from", "date", "", true, Some(t("merge.effective_from_hint")))}
                    {input(&f, "note", "merge.note", "text", "", false, Some(t("merge.note_hint")))}
                    {checkbox(&f, "move_staff", "merge.move_staff", true)}
                    <div class="actions"><button class="btn btn-primary" type="submit">{t("merge.submit")}</button></div>
                </form>
            </section>
        }
    }))
}

/// Whether `path` is inside the signed-in user's scope (used by other pages' pickers).
pub fn in_scope(scope: &UnitPath, u: &Unit) -> bool {
    scope.contains(&u.unit_path())
}
