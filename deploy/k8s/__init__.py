"""Souk on Kubernetes: a Kustomize base generated from the code, and the pods' entrypoints.

    manifests.py   writes base/ (`python -m deploy.k8s.manifests`); never edit base/ by hand
    kustomize.py   renders a kustomization offline (the subset base/ and the overlays use)
    gateway.py     the gateway's init container: gateway/nginx.conf for the cluster's Services
    migrate.py     the migrate Job: every service's migrations, each as its own role
    wait.py        each service's init container: waits until its schema is migrated
    secrets.py     makes the Secret objects (never committed) and the roles' passwords

Everything but manifests.py and kustomize.py runs inside the one image the Dockerfile builds.
"""
