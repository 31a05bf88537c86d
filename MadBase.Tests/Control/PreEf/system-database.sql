-- A system database as Control made it before EF Core (commit dbc8478, hand-written steps in
-- madbase.schema_migrations): its default project "preefdefault", and "preefkeys" created with RS256 signing,
-- its key rotated once (a current and a previous key) and then renamed and given a mail template through the
-- admin API. Dumped with `pg_dump --inserts --no-owner`; the dump's psql-only \restrict lines removed so that
-- the tests can run it through Npgsql. The upgrade tests (SystemMigrationTests) start today's Control on it.
-- Throwaway secrets of a test cluster that no longer exists.
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: madbase; Type: SCHEMA; Schema: -; Owner: -
--

CREATE SCHEMA madbase;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: projects; Type: TABLE; Schema: madbase; Owner: -
--

CREATE TABLE madbase.projects (
    ref text NOT NULL,
    name text NOT NULL,
    db_name text NOT NULL,
    db_url text,
    jwt_secret text NOT NULL,
    anon_key text NOT NULL,
    service_role_key text NOT NULL,
    authenticator_password text NOT NULL,
    settings jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    signing_keys jsonb DEFAULT '[]'::jsonb NOT NULL,
    CONSTRAINT projects_settings_check CHECK ((jsonb_typeof(settings) = 'object'::text)),
    CONSTRAINT projects_signing_keys_check CHECK ((jsonb_typeof(signing_keys) = 'array'::text))
);


--
-- Name: schema_migrations; Type: TABLE; Schema: madbase; Owner: -
--

CREATE TABLE madbase.schema_migrations (
    version integer NOT NULL,
    name text NOT NULL,
    applied_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Data for Name: projects; Type: TABLE DATA; Schema: madbase; Owner: -
--

INSERT INTO madbase.projects VALUES ('preefdefault', 'Default project', 'project_preefdefault', NULL, '1oST2UfBepsQUnAmZHb2E1guLYMaOGEsJyATTUOy8ShNG5jevss3DZF6TrMqB0i6', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6InByZWVmZGVmYXVsdCIsInJvbGUiOiJhbm9uIiwiaWF0IjoxNzk2NTk2MjQ2LCJleHAiOjIxMTIyMTU0NDZ9.GI7i2iG9XPm7IeaYnUJH4RIv8Y3ggBpYy8Tkv1ncdDQ', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6InByZWVmZGVmYXVsdCIsInJvbGUiOiJzZXJ2aWNlX3JvbGUiLCJpYXQiOjE3OTY1OTYyNDYsImV4cCI6MjExMjIxNTQ0Nn0.BebHrykKRqQLy_y_lZvS7VTsNtJS_rC3p1QL6R-ylwE', 'ZY94JKzPe8rcDWZsSozxoacKpEDK02_CfdpFIHTr51Q', '{}', '2026-12-06 22:30:46.16866+00', '2026-12-06 22:30:46.16866+00', '[]');
INSERT INTO madbase.projects VALUES ('preefkeys', 'Keys kept across upgrade (renamed)', 'project_preefkeys', NULL, 'ez18-MQtggEgO2d5U4p1F8BenBABPjKA5B0BQsI1Dw4Mc3Fj-ubzQvink2JcSBF8', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6InByZWVma2V5cyIsInJvbGUiOiJhbm9uIiwiaWF0IjoxNzk2NTk2MjU3LCJleHAiOjIxMTIyMTU0NTd9.CI5heJLzxfsof-LcJZoeAKvPXhOHr0JYEnPOIVO53bc', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6InByZWVma2V5cyIsInJvbGUiOiJzZXJ2aWNlX3JvbGUiLCJpYXQiOjE3OTY1OTYyNTcsImV4cCI6MjExMjIxNTQ1N30.1bDrNJxcNDbSnieMHNnS8465qhLrnLP1dRzR0crs-rM', '4hjQk0M5zyxItIQwDrvmA3PCmuwwNXk9DXTufPs1ki8', '{"auth": {"site_url": "https://app.example.test", "jwt_signing": {"algorithm": "RS256"}, "mail_templates": {"invite": {"subject": "Join {{ .SiteURL }} — ünïcode"}}, "jwt_expiry_seconds": 600}}', '2026-12-06 22:30:57.938657+00', '2026-12-06 22:31:00.772998+00', '[{"kid": "beb0da0a-81e1-4bea-98a4-c68c1a83eeca", "algorithm": "RS256", "created_at": "2026-12-06T22:30:57.6541659+00:00", "retired_at": "2026-12-06T22:31:00.1745303+00:00", "private_key": "MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCzIDN0DwVPxmap6TtdlsZUP3oQZsWWs7P7Awgv/B66drbMM9Oi+ER1ZMpilLCzkDHUbTE9dJBoit8oJgBLcRvmD+UkKgnlJY0m9UyUuDmO4rk0pN3OMRmCr9+Gu14p9pKus8eNOcgaURi9ehGpu9ICYqq6JQZV4fUDw7IxnV0+xHgT9IM52gH4rli8I6LakNhted4TnWsR1W+QmGi3uhJUTtQl7MAW2SmSHzIf87zrdd+6vEeRjBLGw5Y3FKlZ1QTKT0EZQpX/pW0fr2U1wPU+KuV2hb7QocnYYRUzt55UPHkGi/ttkEoCy/d6K2lihIOHONizc2upriVEjne8rORnAgMBAAECgf8+5SwPd+Flk0R5D09zqZnBF6U2VfwnfIALFOkD8En2S3/j+sBxeLsCtkTLrduy+Cdqi9AwGUvwvplj1Nea+xxCcuCQmU6nQ4gwCUb28UcLq+WU69z1+ysWYuOLa1tPmZnnhP/FXfZW1XgvuleVz87tsikj3dw/LzRKrE/I4yMTdKa+JNf28JCoTlbRbh0z4JnQKygXYB6U7GjJJvKe5DnXteD3s2Zo3Tsj/AI3VDJNgGxl1U20sR8StAxshZMitjibt0/i7/3XaqVpJLAJ/YIfu4SuQTt+BIEMOjXNcpD/JAZyRdIKSwbsOoRPugRhN0uErgSNGPPXfR80u0wGxvECgYEA8ihjrtV/PhA7BzfFj5komDWTTY/2wiiZykBuHUQ+W67Snb5T5Wxn/j1KgsI6omTBEnd5hy/bqGMwl4YbdDB2g/S23BcrCWTsYDS+0yggJHNHXoxUXhfhlzVDE16FG68s42JjdA2hfQ+CDdXQA0AU4slhWrm+41O8fcd1HAhJ9S8CgYEAvV1vMwPTFhBfZHdq7RARKBnc10ogNJVBDPv5sGjdnSOcBF/vJQf9HCD0OHJHl56qgZqACsrCoNpsCvyPhT9WNY81QmHlRCLlOqkWQ1+N2kbhYan4CIW5kB4HHy0xdavoSKgOdCFFUEqH8tzwdLRIrsnwOt2Hvu++LZRMxXOfJkkCgYEAusFZd2miE0xTKdLiY0e8Xf7blrLTnJPRX4DnK10JNo4SUqOJcmNzpEjCoSuIKtvHZyWLLS5Emo282O8NV0NU85mUORMJFtqlzeB/1ruYZmQdg5Z4LoT+by4dh9+aimpEFS05BDTK+XcvVtox7X/LW8fxdBXSWOGoedyMvczKtPMCgYA+KRKck2/SOVOm/hBKe1C2ci7tOPbza98rrPccsn+02oCXawpshH/QoPyqHtFjcwEThCzt3fsfpDN9M8TE/7KD6FuaS9pfkHjg1apqOU6uTUAkuA+kdIkiRskdsc8fimu4lfoQou9G2QBhd6czGA8X2VATcq7hvX8XJSxCUJ74iQKBgQCmaJdPVag09sA5gIKYxalY9R731ovAA+xDnE1LIys8fBm5BO8tcc7+Qkwa54m54LdRXQyNDPznNFGYcE1c/gdhpXsSFLYwhMgQINVh3l8ln+YHuBHYpG2l++zNUavaQwMFsAcNe7Ec7YHQSVZqx2UJTh3Nnu/QnyfBoC24LcNNBw==", "verify_until": "2026-12-06T22:46:00.1745303+00:00"}, {"kid": "47ca4f16-7134-41f5-8d29-3717defe9026", "algorithm": "RS256", "created_at": "2026-12-06T22:31:00.1745303+00:00", "private_key": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCWPTz5StGSEhfkVBFhU2OgHrvnc8jAPHN1Ywnerb0tupA58WiyUKgWYX5HzTPppUBPs/Zm3HYGU+z7WW9bc5EEdZiidrpJKvcNTRy62GQx0BG0reFdL3F8JRDEH2EX1ti76ouq6GC+pU1bjePtQv+NM+T0LTulsZwLQUgOPl/e0zxWPvT5nCMpLniq3iZbO9uA03E6vTqEjq9apgAxsnLmKAD6TuOWot0JTB4GsSPUWLzxKwsubX+Hn4ZtmnOs4BjO+81Gj+3HadF2JaDzVir46RN1egLCoNM+sgcweFlZdZZAMJ0p4hPafJFlL4dwQtm5NBYRw5hreLQ3tUzPgOi3AgMBAAECggEAR2FyElmPZ7DMBDJDDbRCfcWMbmPPCjLOgoPbIR735n2g377IiQwUSInqpy+iTgyzGQs+c1Gki84dJrCv3UnzqSQ8MFhrmq7csUelckq0lAwxFWCV1iHf7+VmaWAlT9/GmsXNtRZyPLIqJmksVUKDS3HQAolpMQjJRHmwRAAzqZiFzptVu2hNGt/0rUOlajmlWPWEQA+pAu3OOUH9oc0ySJkBAaAogABh+/c33eLJ1VkPYqA/I+QaK2U1lZTR1NKo/ztoBHCkQP2wMgezHHpCeHEui+x5KNwZhGHbQ0gdbR9ELo56VtS2sHkBLPC7UgTss+9GL6RTtVlD7hhJzJioBQKBgQDG7Zp15K1f9XklWXKwJ9BV9NYykVGc1QxqZbSeChoXpFWymGrF0sVFDumbBtswOt12shf6iq4oVh/ucxqfq22jY77NBxK95sK4PDF8+7RC+no5J3j/OZ99dx8itm1VGz14465pwBm7+ghvu+FPrJt33f3lf8E4V5tG9fFwF4iPTQKBgQDBV6W5Bo2FfktMn7UQaQpvs4DbxqDatJ6+XVfVajp+cGPwR/E+wMEzU48HaEcM18PfkLjZ8LIKqq+N9UZ5mYv2qtuY/5KwY2SfDCsgGPwC4YZOEWs5TTtoysw2V5doKH32f9PHznBt93fphlTlTsxaWvFO5Xqb8y8vJeJEOsBeEwKBgFLcuGFxXvLAyrTPHKHaA8M6WFr6A1fjuuc69FB8fr/oWTYqnRdII5oPiyljYrwlWQjPSIO5brAop+Zoled6vhG4Q8sdriXiUKvzjt2z7zOTKIRUN+eAdjoJ+7M28DXqQeHwXT95oH6XuRnp1gGdMaltlAwb+j1g6LJXUjnR47VlAoGBAKDbCAD5R7Mh0QoN8bmWet1WLcYr6lYrYcslo9bmC4Z4gV0+raK1AchvI5dZFYvE06zkHjcMf0RKn8Zuo1S1//GYUx1mvKdN+kAtApAw2TKYaYH4EgpZjCzyVJZ9p3U8AxibXxpkUbvb4QMEBQvG1FP0R8GJQMoQuFf0n9x+ON/LAoGANVnYodTRyA8O/PrqAE0C5LLuUoBUbYCgT6OhF+VDJwAxDniI7k4hOTN/Uzg4smC/dWmjJnJlf8fSWgRJqbweljxLvECsEjpDHCX5UrH3ZAwGRNVhGlX6HrG8hwkNLbhbZcUL3x/bNfZCaRarVunbRh61AvgDNH4odjd2CRMsi0Q="}]');


--
-- Data for Name: schema_migrations; Type: TABLE DATA; Schema: madbase; Owner: -
--

INSERT INTO madbase.schema_migrations VALUES (1, 'projects', '2026-12-06 22:30:45.779261+00');
INSERT INTO madbase.schema_migrations VALUES (2, 'project signing keys', '2026-12-06 22:30:45.779261+00');


--
-- Name: projects projects_db_name_key; Type: CONSTRAINT; Schema: madbase; Owner: -
--

ALTER TABLE ONLY madbase.projects
    ADD CONSTRAINT projects_db_name_key UNIQUE (db_name);


--
-- Name: projects projects_pkey; Type: CONSTRAINT; Schema: madbase; Owner: -
--

ALTER TABLE ONLY madbase.projects
    ADD CONSTRAINT projects_pkey PRIMARY KEY (ref);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: madbase; Owner: -
--

ALTER TABLE ONLY madbase.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- PostgreSQL database dump complete
--


