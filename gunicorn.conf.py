"""gunicorn's settings wherever the platform is served: ``make run`` (tools/serve), the
Dockerfile, docker-compose.yml and deploy/kubernetes/web.yaml each pass ``--config
gunicorn.conf.py``; their own flags say only the address, the workers and the threads."""

# Some answers are made in the request: an evidence package validates every version of its
# contract again and renders and seals its report (about 5 s for a contract with three
# versions, more with each version), and a verification validates an upload with online
# revocation checks. gunicorn's default of 30 s would kill the worker halfway through such an
# answer and the party would get a 502.
timeout = 120

accesslog = "-"
