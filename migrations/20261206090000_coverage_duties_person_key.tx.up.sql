-- A team's lists of people overdue and due soon (store.DutyList for a
-- team's dashboard or a manager's) read each member's duties due by the
-- end of the due-soon window. By the primary key, every duty of every
-- member was visited, about twelve a person on as many pages, to keep two;
-- by person and key date, only the two are. At 50,000 learners a team of
-- 100 read 1,440 pages for its lists, and reads 580 now.
CREATE INDEX coverage_duties_person_key ON coverage_duties (org_id, person_id, key_at);
