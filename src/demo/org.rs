//! The organisation: departments, users with roles and certificates, the matter catalogue
//! and its empowerments to the towns. Not scaled: it is the district's org chart, not a volume,
//! and the certificate rate (65 of 70 = 92.85%) is a property of it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{DepartmentKind, PartyKind, Role};
use entity::{certificate, department, matter, matter_empowerment, user, user_role};
use sea_orm::DbErr;
use uuid::Uuid;

use super::catalogue::{
    DATED_EMPOWERMENTS, DEPARTMENTS, EMPOWERED_FROM, MATTERS, MatterDef, TOWNS, TownDef, fine_range, penalty_basis,
};
use super::people;
use super::plan::Plan;
use super::rng::Rng;
use super::{
    BUREAU, CITY_GUIDANCE, COURT, HOUSING, JUSTICE, NATURAL_RESOURCES, PROVIDENT_FUND, TOWN_BEIAO, TOWN_DONGPING,
};
use crate::calendar::start_of_day;

/// The fixed demo users of api.md.
struct FixedUser {
    login: &'static str,
    name: &'static str,
    department: &'static str,
    role: Role,
    certified: bool,
}

const FIXED_USERS: &[FixedUser] = &[
    FixedUser { login: "admin", name: "系统管理员", department: BUREAU, role: Role::Admin, certified: false },
    FixedUser {
        login: "bureau.officer",
        name: "林志远",
        department: BUREAU,
        role: Role::BureauOfficer,
        certified: true,
    },
    FixedUser {
        login: "bureau.reviewer",
        name: "陈静怡",
        department: BUREAU,
        role: Role::LegalReviewer,
        certified: true,
    },
    FixedUser {
        login: "town.beiao", name: "叶海东", department: TOWN_BEIAO, role: Role::TownOfficer, certified: true
    },
    FixedUser {
        login: "town.dongping",
        name: "郑晓燕",
        department: TOWN_DONGPING,
        role: Role::TownOfficer,
        certified: false,
    },
    FixedUser {
        login: "nr.liaison",
        name: "王建华",
        department: NATURAL_RESOURCES,
        role: Role::DepartmentLiaison,
        certified: false,
    },
    FixedUser {
        login: "housing.liaison",
        name: "张丽娜",
        department: HOUSING,
        role: Role::DepartmentLiaison,
        certified: false,
    },
    FixedUser {
        login: "court.trainee", name: "黄俊杰", department: COURT, role: Role::CourtTrainee, certified: false
    },
    FixedUser { login: "dashboard", name: "数据看板", department: BUREAU, role: Role::Dashboard, certified: false },
];

/// Bureau enforcement staff (role BUREAU_OFFICER) besides `bureau.officer`: with it, 70 officers.
const GENERATED_BUREAU_OFFICERS: usize = 69;

pub(super) struct Officer {
    pub id: Uuid,
    pub certificate_valid_until: Option<NaiveDate>,
    pub joined: NaiveDate,
}

pub(super) struct TownTeam {
    pub def: &'static TownDef,
    pub id: Uuid,
    /// Certified officers of the team, assignable to its cases (R2).
    pub officers: Vec<Officer>,
}

pub(super) struct MatterRef {
    pub def: &'static MatterDef,
    pub id: Uuid,
}

pub(super) struct Empowerment {
    pub matter: usize,
    pub town: &'static str,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
}

/// Ids and facts the case generators need.
pub(super) struct Org {
    pub bureau: Uuid,
    pub natural_resources: Uuid,
    pub housing: Uuid,
    pub provident_fund: Uuid,
    pub towns: Vec<TownTeam>,
    pub admin: Uuid,
    pub officer: Uuid,
    pub reviewer: Uuid,
    pub nr_liaison: Uuid,
    pub housing_liaison: Uuid,
    pub pf_liaison: Uuid,
    pub trainee: Uuid,
    /// The bureau's BUREAU_OFFICER users (certified or not).
    pub bureau_officers: Vec<Officer>,
    pub matters: Vec<MatterRef>,
    pub empowerments: Vec<Empowerment>,
    /// Every department's name and town, by id (a later chunk's plan holds no departments).
    pub departments: HashMap<Uuid, (String, Option<String>)>,
    by_code: HashMap<&'static str, usize>,
}

fn date(s: &str) -> Result<NaiveDate, DbErr> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|e| DbErr::Custom(format!("demo catalogue date {s:?}: {e}")))
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

impl Org {
    pub fn matter(&self, code: &str) -> Result<usize, DbErr> {
        self.by_code.get(code).copied().ok_or_else(|| DbErr::Custom(format!("demo catalogue lacks matter {code}")))
    }

    /// R7: whether `town` holds the matter on `day`.
    pub fn empowered(&self, town: &str, matter: usize, day: NaiveDate) -> bool {
        self.empowerments
            .iter()
            .any(|e| e.matter == matter && e.town == town && e.from <= day && e.until.is_none_or(|until| day <= until))
    }

    /// Bureau officers who may be assigned on `day`: a certificate valid that day and in the
    /// bureau already (R2, APL 42).
    pub fn bureau_assignable(&self, day: NaiveDate) -> Vec<Uuid> {
        assignable(&self.bureau_officers, day)
    }
}

pub(super) fn assignable(officers: &[Officer], day: NaiveDate) -> Vec<Uuid> {
    officers
        .iter()
        .filter(|o| o.joined <= day && o.certificate_valid_until.is_some_and(|v| v >= day))
        .map(|o| o.id)
        .collect()
}

/// Hands out 执法证 numbers `330305{yy}{seq:03}` (洞头区, year of issue, sequence).
#[derive(Default)]
struct Certificates(HashMap<i32, u32>);

impl Certificates {
    fn issue(&mut self, year: i32) -> String {
        let seq = self.0.entry(year).or_insert(0);
        *seq += 1;
        format!("330305{:02}{:03}", year % 100, *seq)
    }
}

struct UserFactory<'a> {
    plan: &'a mut Plan,
    logins: HashSet<String>,
    certificates: Certificates,
}

impl UserFactory<'_> {
    #[expect(
        clippy::too_many_arguments,
        reason = "one call per kind of user; a builder would only rename the arguments"
    )]
    fn add(
        &mut self,
        rng: &mut Rng,
        login: String,
        name: String,
        department: Uuid,
        roles: &[Role],
        certificate: Option<(i32, NaiveDate)>,
        created_at: DateTime<Utc>,
    ) -> Uuid {
        let id = rng.uuid_at(created_at);
        self.logins.insert(login.clone());
        let (certificate_no, certificate_valid_until) = match certificate {
            Some((issued, until)) => (Some(self.certificates.issue(issued)), Some(until)),
            None => (None, None),
        };
        if let (Some(number), Some((issued, valid_until))) = (&certificate_no, certificate) {
            // One certificate each, issued on the first day of its year; the user's id is
            // reused as the certificate's (no draw from the generator, so the year is unchanged).
            self.plan.certificates.push(certificate::Model {
                id,
                user_id: id,
                number: number.clone(),
                valid_from: ymd(issued, 1, 1),
                valid_until,
                created_at,
            });
        }
        self.plan.users.push(user::Model {
            id,
            search_text: format!("{login} {name}").to_lowercase(),
            login,
            name,
            department_id: department,
            certificate_no,
            certificate_valid_until,
            active: true,
            joined_on: None,
            left_on: None,
            created_at,
        });
        for role in roles {
            self.plan.user_roles.push(user_role::Model { user_id: id, role: *role });
        }
        id
    }

    /// A Chinese name and a pinyin login (`chen.wei`, then `chen.wei2` …) not taken yet.
    fn generated(&mut self, rng: &mut Rng) -> (String, String) {
        let name = people::name(rng);
        let base = format!("{}.{}", name.pinyin_surname, name.pinyin_given);
        let mut login = base.clone();
        let mut n = 2;
        while self.logins.contains(&login) {
            login = format!("{base}{n}");
            n += 1;
        }
        (login, name.hanzi)
    }
}

/// A certificate valid well past the demo year, so officers stay assignable to open work.
fn long_certificate(rng: &mut Rng, issued: i32) -> (i32, NaiveDate) {
    (issued, ymd(rng.range(2028, 2030) as i32, 12, 31))
}

pub(super) fn build(rng: &mut Rng, plan: &mut Plan) -> Result<Org, DbErr> {
    let setup = start_of_day(date(EMPOWERED_FROM)?);

    // Departments.
    let mut dept_ids: HashMap<&'static str, Uuid> = HashMap::new();
    for d in DEPARTMENTS {
        let id = rng.uuid_at(setup);
        dept_ids.insert(d.code, id);
        plan.departments.push(department::Model {
            id,
            code: d.code.to_string(),
            name: d.name.to_string(),
            kind: d.kind,
            town: None,
            case_prefix: d.prefix.to_string(),
            created_at: setup,
        });
    }
    for t in TOWNS {
        let id = rng.uuid_at(setup);
        dept_ids.insert(t.code, id);
        plan.departments.push(department::Model {
            id,
            code: t.code.to_string(),
            name: t.team_name.to_string(),
            kind: DepartmentKind::TownTeam,
            town: Some(t.name.to_string()),
            case_prefix: t.prefix.to_string(),
            created_at: setup,
        });
    }
    let dept = |code: &str| {
        dept_ids.get(code).copied().ok_or_else(|| DbErr::Custom(format!("demo catalogue lacks department {code}")))
    };

    // Users.
    let mut users = UserFactory { plan, logins: HashSet::new(), certificates: Certificates::default() };
    let mut fixed: HashMap<&'static str, Uuid> = HashMap::new();
    let mut bureau_officers = Vec::new();
    let mut town_officers: HashMap<&'static str, Vec<Officer>> = HashMap::new();
    for f in FIXED_USERS {
        let certificate = f.certified.then(|| long_certificate(rng, 2018));
        let id =
            users.add(rng, f.login.to_string(), f.name.to_string(), dept(f.department)?, &[f.role], certificate, setup);
        fixed.insert(f.login, id);
        let officer = Officer { id, certificate_valid_until: certificate.map(|c| c.1), joined: date(EMPOWERED_FROM)? };
        match f.role {
            Role::BureauOfficer => bureau_officers.push(officer),
            Role::TownOfficer => town_officers.entry(f.department).or_default().push(officer),
            _ => {}
        }
    }
    let fixed_id =
        |login: &str| fixed.get(login).copied().ok_or_else(|| DbErr::Custom(format!("demo lacks fixed user {login}")));

    let bureau = dept(BUREAU)?;
    // The 69 generated officers: 3 joined in 2023 and certified, 3 joined in 2023 and still
    // in training, 2 whose certificates lapsed in 2023, the rest veterans. With
    // `bureau.officer`: 70 officers, 65 certified on 2023-12-31, 6 new in 2023.
    let founded = date(EMPOWERED_FROM)?;
    let mut profiles: Vec<(NaiveDate, Option<(i32, NaiveDate)>)> = Vec::new();
    for joined in [ymd(2023, 3, 1), ymd(2023, 4, 3), ymd(2023, 7, 3)] {
        profiles.push((joined, Some(long_certificate(rng, 2023))));
    }
    for joined in [ymd(2023, 9, 1), ymd(2023, 10, 9), ymd(2023, 11, 1)] {
        profiles.push((joined, None));
    }
    for lapsed in [ymd(2023, 5, 31), ymd(2023, 10, 31)] {
        profiles.push((founded, Some((2018, lapsed))));
    }
    while profiles.len() < GENERATED_BUREAU_OFFICERS {
        let issued = rng.range(2015, 2022) as i32;
        profiles.push((founded, Some(long_certificate(rng, issued))));
    }
    for (joined, certificate) in profiles {
        let (login, name) = users.generated(rng);
        let created_at = if joined > founded { start_of_day(joined) + chrono::TimeDelta::hours(9) } else { setup };
        let id = users.add(rng, login, name, bureau, &[Role::BureauOfficer], certificate, created_at);
        if let Some(u) = users.plan.users.last_mut() {
            u.joined_on = Some(joined);
        }
        bureau_officers.push(Officer { id, certificate_valid_until: certificate.map(|c| c.1), joined });
    }

    let mut towns = Vec::new();
    for t in TOWNS {
        let id = dept(t.code)?;
        for _ in 0..t.generated_officers {
            let (login, name) = users.generated(rng);
            let issued = rng.range(2019, 2022) as i32;
            let certificate = long_certificate(rng, issued);
            let officer = users.add(rng, login, name, id, &[Role::TownOfficer], Some(certificate), setup);
            town_officers.entry(t.code).or_default().push(Officer {
                id: officer,
                certificate_valid_until: Some(certificate.1),
                joined: date(EMPOWERED_FROM)?,
            });
        }
        let officers = town_officers
            .remove(t.code)
            .unwrap_or_default()
            .into_iter()
            .filter(|o| o.certificate_valid_until.is_some())
            .collect();
        towns.push(TownTeam { def: t, id, officers });
    }

    // The provident-fund centre's liaison and the supervisors' readers.
    let (login, name) = users.generated(rng);
    let pf_liaison = users.add(rng, login, name, dept(PROVIDENT_FUND)?, &[Role::DepartmentLiaison], None, setup);
    for code in [JUSTICE, CITY_GUIDANCE] {
        let (login, name) = users.generated(rng);
        users.add(rng, login, name, dept(code)?, &[Role::Dashboard], None, setup);
    }

    // Matters and their empowerments.
    let mut matters = Vec::new();
    let mut by_code = HashMap::new();
    for (i, def) in MATTERS.iter().enumerate() {
        let id = rng.uuid_at(setup);
        by_code.insert(def.code, i);
        matters.push(MatterRef { def, id });
        plan.matters.push(matter::Model {
            id,
            code: def.code.to_string(),
            name: def.name.to_string(),
            domain: def.domain.to_string(),
            legal_basis: def.legal_basis.to_string(),
            penalty_basis: penalty_basis(def),
            fine_person_min_fen: fine_range(def, PartyKind::Person).map(|r| r.0 * 100),
            fine_person_max_fen: fine_range(def, PartyKind::Person).map(|r| r.1 * 100),
            fine_org_min_fen: fine_range(def, PartyKind::Organization).map(|r| r.0 * 100),
            fine_org_max_fen: fine_range(def, PartyKind::Organization).map(|r| r.1 * 100),
            active: true,
            created_at: setup,
        });
    }
    let mut empowerments = Vec::new();
    for (i, def) in MATTERS.iter().enumerate() {
        for t in TOWNS {
            let dated = DATED_EMPOWERMENTS.iter().find(|d| d.matter == def.code && d.town == t.name);
            let periods: Vec<(NaiveDate, Option<NaiveDate>)> = match dated {
                Some(d) => d
                    .periods
                    .iter()
                    .map(|(from, until)| {
                        let until = if until.is_empty() { None } else { Some(date(until)?) };
                        Ok((date(from)?, until))
                    })
                    .collect::<Result<_, DbErr>>()?,
                None if def.towns => vec![(date(EMPOWERED_FROM)?, None)],
                None => Vec::new(),
            };
            for (from, until) in periods {
                let created_at = start_of_day(from);
                plan.empowerments.push(matter_empowerment::Model {
                    id: rng.uuid_at(created_at),
                    matter_id: matters[i].id,
                    town: t.name.to_string(),
                    valid_from: from,
                    valid_until: until,
                    created_at,
                });
                empowerments.push(Empowerment { matter: i, town: t.name, from, until });
            }
        }
    }

    Ok(Org {
        bureau,
        natural_resources: dept(NATURAL_RESOURCES)?,
        housing: dept(HOUSING)?,
        provident_fund: dept(PROVIDENT_FUND)?,
        towns,
        admin: fixed_id("admin")?,
        officer: fixed_id("bureau.officer")?,
        reviewer: fixed_id("bureau.reviewer")?,
        nr_liaison: fixed_id("nr.liaison")?,
        housing_liaison: fixed_id("housing.liaison")?,
        pf_liaison,
        trainee: fixed_id("court.trainee")?,
        bureau_officers,
        matters,
        empowerments,
        departments: plan.departments.iter().map(|d| (d.id, (d.name.clone(), d.town.clone()))).collect(),
        by_code,
    })
}
