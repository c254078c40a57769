from hotline.org.roles import Perm, user_perms


def console(request):
    """Navigation and permissions for the console's base layout."""
    user = getattr(request, "user", None)
    perms = user_perms(user) if user is not None and user.is_authenticated else frozenset()
    return {"hotline_perms": {p.name: (p in perms) for p in Perm}}
