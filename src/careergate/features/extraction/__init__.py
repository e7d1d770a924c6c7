"""Skill extraction without a model: ESCO's labels, a second taxonomy for technology
(Lightcast Open Skills), skills stated in other words, languages, and the context rules
that keep ambiguous words ("Java" in a café's name) out. ``finder.SkillFinder`` puts
them together."""
