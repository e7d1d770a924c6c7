wrk.method = "POST"
wrk.body = '{"model": "gpt-4o-mini", "messages": [{"role": "system", "content": "You improve resume bullets."}, {"role": "user", "content": "Rewrite: led a team of five engineers on payments"}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer "
