-- Citizen participation: accounts of moderators and partners with their sessions, the
-- contributions residents send (service reports, ideas, project ideas, photos), the
-- calls for projects and discovery days partners publish, the anonymous needs
-- questionnaire, support, rate limits and the moderation audit log.
--
-- Everything lives here rather than in a server's memory, so several servers agree.
-- Constraint names are `<table>_<field>_<rule>`: the server names the field in its
-- answer when one is violated. Contributions record the commune code of their day
-- without a foreign key: a new commune release replaces the commune rows, and a
-- contribution keeps the code it was made under (commune_change maps it on).

CREATE TYPE account_role AS ENUM ('moderator', 'partner');

CREATE TABLE account (
    id            bigserial PRIMARY KEY,
    username      text NOT NULL
                  CONSTRAINT account_username_format CHECK (username ~ '^[a-z0-9._-]{3,64}$'),
    role          account_role NOT NULL,
    -- a PHC string (argon2id), never the password
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT account_username_unique UNIQUE (username)
);

-- A login. The cookie holds a random token; only its SHA-256 is stored, so a copy of
-- the database opens no session.
CREATE TABLE account_session (
    token_sha256 bytea PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL
);
CREATE INDEX account_session_expiry_idx ON account_session (expires_at);

-- Requests counted per bucket (what is limited), client (the address) and fixed window.
CREATE TABLE rate_limit_hit (
    bucket       text NOT NULL,
    client       text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL,
    PRIMARY KEY (bucket, client, window_start)
);

-- The themes of ideas and calls for projects.
CREATE TABLE participation_theme (
    id       text PRIMARY KEY,
    position integer NOT NULL UNIQUE,
    name_nl  text NOT NULL,
    name_fr  text NOT NULL,
    name_en  text NOT NULL
);
INSERT INTO participation_theme (id, position, name_nl, name_fr, name_en) VALUES
    ('shops',     1, 'Winkels en diensten', 'Commerces et services', 'Shops and services'),
    ('health',    2, 'Gezondheid en zorg', 'Santé et soins', 'Health and care'),
    ('mobility',  3, 'Mobiliteit', 'Mobilité', 'Mobility'),
    ('education', 4, 'Onderwijs en kinderopvang', 'Éducation et petite enfance', 'Education and childcare'),
    ('culture',   5, 'Cultuur, sport en vrije tijd', 'Culture, sport et loisirs', 'Culture, sport and leisure'),
    ('nature',    6, 'Natuur en landschap', 'Nature et paysage', 'Nature and landscape'),
    ('housing',   7, 'Wonen', 'Logement', 'Housing'),
    ('cross_border', 8, 'Over de grens', 'Transfrontalier', 'Across the border'),
    ('other',     9, 'Andere', 'Autre', 'Other');

CREATE TYPE contribution_kind AS ENUM ('service_report', 'idea', 'project_idea', 'photo');
CREATE TYPE contribution_status AS ENUM ('pending', 'accepted', 'rejected', 'merged', 'withdrawn');

-- What every contribution has: its moderation, its writer's language, the private
-- contact and the secret that lets the writer withdraw it.
CREATE TABLE contribution (
    id               bigserial PRIMARY KEY,
    kind             contribution_kind NOT NULL,
    status           contribution_status NOT NULL DEFAULT 'pending',
    language         text NOT NULL
                     CONSTRAINT contribution_language_known CHECK (language IN ('nl', 'fr', 'en')),
    -- never public, never exported; erased on withdrawal and after retention
    contact_email    text
                     CONSTRAINT contribution_contact_email_length CHECK (length(contact_email) <= 254),
    withdraw_sha256  bytea NOT NULL CONSTRAINT contribution_withdraw_unique UNIQUE,
    created_at       timestamptz NOT NULL DEFAULT now(),
    decided_at       timestamptz,
    decided_by       bigint REFERENCES account (id) ON DELETE SET NULL,
    -- why it was rejected, shown to the public
    public_reason    text
                     CONSTRAINT contribution_reason_length CHECK (length(public_reason) <= 500),
    merged_into      bigint REFERENCES contribution (id),
    CONSTRAINT contribution_reason_given CHECK (status <> 'rejected' OR public_reason IS NOT NULL),
    CONSTRAINT contribution_into_given CHECK ((status = 'merged') = (merged_into IS NOT NULL))
);
CREATE INDEX contribution_queue_idx ON contribution (status, kind, created_at);

CREATE TYPE service_report_action AS ENUM ('opened', 'closed', 'changed');

CREATE TABLE service_report (
    contribution_id bigint PRIMARY KEY REFERENCES contribution (id) ON DELETE CASCADE,
    action          service_report_action NOT NULL,
    category        text NOT NULL REFERENCES service_category (id),
    geom            geometry(Point, 4326) NOT NULL,
    country         char(2) NOT NULL,
    commune_code    text NOT NULL,
    -- the existing service it is about (closed, changed)
    service_id      bigint REFERENCES service (id) ON DELETE SET NULL,
    observed_on     date NOT NULL,
    name            text CONSTRAINT service_report_name_length CHECK (length(name) <= 200),
    reason          text CONSTRAINT service_report_reason_length CHECK (length(reason) <= 500),
    -- the service the accepted report created, closed or changed
    applied_service bigint REFERENCES service (id) ON DELETE SET NULL
);

CREATE TABLE idea (
    contribution_id bigint PRIMARY KEY REFERENCES contribution (id) ON DELETE CASCADE,
    country         char(2) NOT NULL,
    commune_code    text NOT NULL,
    theme           text NOT NULL REFERENCES participation_theme (id),
    title           text NOT NULL CONSTRAINT idea_title_length CHECK (length(title) BETWEEN 1 AND 120),
    body            text NOT NULL CONSTRAINT idea_body_length CHECK (length(body) BETWEEN 1 AND 2000)
);
CREATE INDEX idea_commune_idx ON idea (country, commune_code);

CREATE TABLE call_for_projects (
    id             bigserial PRIMARY KEY,
    title_nl       text NOT NULL CONSTRAINT call_title_length CHECK (length(title_nl) BETWEEN 1 AND 120 AND length(title_fr) BETWEEN 1 AND 120),
    title_fr       text NOT NULL,
    description_nl text NOT NULL CONSTRAINT call_description_length CHECK (length(description_nl) BETWEEN 1 AND 2000 AND length(description_fr) BETWEEN 1 AND 2000),
    description_fr text NOT NULL,
    themes         text[] NOT NULL,
    opens_on       date NOT NULL,
    closes_on      date NOT NULL CONSTRAINT call_closes_on_after CHECK (closes_on >= opens_on),
    created_by     bigint REFERENCES account (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE project_review AS ENUM ('submitted', 'under_review', 'selected', 'not_selected');

CREATE TABLE project_idea (
    contribution_id bigint PRIMARY KEY REFERENCES contribution (id) ON DELETE CASCADE,
    call_id         bigint NOT NULL REFERENCES call_for_projects (id),
    title           text NOT NULL CONSTRAINT project_idea_title_length CHECK (length(title) BETWEEN 1 AND 120),
    description     text NOT NULL CONSTRAINT project_idea_description_length CHECK (length(description) BETWEEN 1 AND 2000),
    review          project_review NOT NULL DEFAULT 'submitted'
);

CREATE TABLE project_idea_commune (
    contribution_id bigint NOT NULL REFERENCES project_idea (contribution_id) ON DELETE CASCADE,
    position        integer NOT NULL,
    country         char(2) NOT NULL,
    commune_code    text NOT NULL,
    PRIMARY KEY (contribution_id, country, commune_code)
);

CREATE TABLE photo (
    contribution_id bigint PRIMARY KEY REFERENCES contribution (id) ON DELETE CASCADE,
    geom            geometry(Point, 4326) NOT NULL,
    year            integer NOT NULL CONSTRAINT photo_year_range CHECK (year BETWEEN 1850 AND 2100),
    caption         text NOT NULL CONSTRAINT photo_caption_length CHECK (length(caption) BETWEEN 1 AND 500),
    -- re-encoded JPEG without metadata; NULL once withdrawn
    jpeg            bytea,
    width           integer NOT NULL,
    height          integer NOT NULL
);
CREATE INDEX photo_geom_idx ON photo USING gist (geom);

CREATE TABLE discovery_day (
    id             bigserial PRIMARY KEY,
    title_nl       text NOT NULL CONSTRAINT discovery_day_title_length CHECK (length(title_nl) BETWEEN 1 AND 120 AND length(title_fr) BETWEEN 1 AND 120),
    title_fr       text NOT NULL,
    description_nl text NOT NULL CONSTRAINT discovery_day_description_length CHECK (length(description_nl) <= 2000 AND length(description_fr) <= 2000),
    description_fr text NOT NULL,
    starts_on      date NOT NULL,
    place          text NOT NULL CONSTRAINT discovery_day_place_length CHECK (length(place) BETWEEN 1 AND 200),
    geom           geometry(Point, 4326) NOT NULL,
    created_by     bigint REFERENCES account (id) ON DELETE SET NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX discovery_day_date_idx ON discovery_day (starts_on);

-- "I support this": one per supporter (the hash of a random cookie) and contribution.
CREATE TABLE support (
    contribution_id  bigint NOT NULL REFERENCES contribution (id) ON DELETE CASCADE,
    supporter_sha256 bytea NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT support_once UNIQUE (contribution_id, supporter_sha256)
);

-- The anonymous needs questionnaire: no address, no contact, no time finer than the day.
CREATE TABLE needs_response (
    id           bigserial PRIMARY KEY,
    country      char(2) NOT NULL,
    commune_code text NOT NULL,
    answered_on  date NOT NULL DEFAULT current_date,
    -- the categories the resident misses
    missing      text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX needs_response_commune_idx ON needs_response (country, commune_code);

CREATE TYPE needs_place AS ENUM ('own_commune', 'neighbour', 'across_border', 'not_used');
CREATE TYPE needs_travel AS ENUM ('walk', 'bike', 'car', 'public_transport', 'other');

CREATE TABLE needs_use (
    response_id bigint NOT NULL REFERENCES needs_response (id) ON DELETE CASCADE,
    category    text NOT NULL REFERENCES service_category (id),
    place       needs_place NOT NULL,
    travel      needs_travel,
    PRIMARY KEY (response_id, category)
);

-- Every moderation or partner action: who, when, what, and the state before and after.
CREATE TABLE audit_log (
    id              bigserial PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    account_id      bigint REFERENCES account (id) ON DELETE SET NULL,
    -- kept when the account is deleted
    username        text NOT NULL,
    action          text NOT NULL,
    contribution_id bigint REFERENCES contribution (id) ON DELETE SET NULL,
    subject         text,
    before          jsonb,
    after           jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);

-- How a source sees its services: in snapshots of the whole territory on given days (a
-- series of two or more gives services gained and lost between its first and last), or
-- in reports of single services, each on its own day, which form no series.
ALTER TABLE source ADD COLUMN sightings text NOT NULL DEFAULT 'snapshots'
    CONSTRAINT source_sightings_known CHECK (sightings IN ('snapshots', 'reports'));

-- The source of accepted service reports: each report is one record of it.
INSERT INTO source (id, title, path, publisher, licence, reference_date, sightings)
VALUES ('citizen', 'Service reports by residents, accepted by a moderator',
        'contributions', 'Westhoek Observatory participants', 'ODbL-1.0', NULL, 'reports')
ON CONFLICT (id) DO NOTHING;
