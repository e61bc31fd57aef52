-- Every call for projects, the latest to open first, with whether it is open on $1 (the
-- region's today): from opens_on to closes_on, both included.
SELECT id, title_nl, title_fr, description_nl, description_fr, themes, opens_on, closes_on,
       $1::date BETWEEN opens_on AND closes_on AS open
FROM call_for_projects
ORDER BY opens_on DESC, id DESC
