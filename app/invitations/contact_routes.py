"""The unit's contact book: the people an organiser invites year after year."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import db
from app.htmx import FORM_ERROR_STATUS, wants_fragment
from app.invitations.blueprint import bp
from app.invitations.forms import ContactForm, person_data
from app.invitations.models import Contact
from app.invitations.permissions import get_contact_or_404, require_organiser
from app.invitations.queries import contacts_matching
from app.invitations.services import find_duplicates, format_phone, save_contact


@bp.get("/contacts")
@login_required
def contacts():
    """The unit's contact book, searchable as you type."""
    require_organiser()
    query = request.args.get("q", "").strip()[:100]
    context = {
        "contacts": contacts_matching(query, limit=500),
        "q": query,
        "format_phone": format_phone,
    }
    if wants_fragment():
        return render_template("invitations/_contact_list.html", **context)
    return render_template("invitations/contacts.html", form=ContactForm(formdata=None), **context)


@bp.post("/contacts")
@login_required
def contact_create():
    """Add a person to the contact book (duplicates are refused with the known entry named)."""
    require_organiser()
    form = ContactForm()
    if form.validate_on_submit():
        data = person_data(form)
        same = find_duplicates(current_user.unit, data, model=Contact)
        if same:
            form.full_name.errors.append(
                _(
                    "Already in the contact book: %(name)s (%(organisation)s).",
                    name=same[0].full_name,
                    organisation=same[0].organisation,
                )
            )
        else:
            save_contact(None, current_user.unit, data)
            db.session.commit()
            return redirect(url_for("invitations.contacts"), code=303)
    return render_template(
        "invitations/contacts.html",
        form=form,
        contacts=contacts_matching(""),
        q="",
        format_phone=format_phone,
    ), FORM_ERROR_STATUS


@bp.get("/contacts/<int:contact_id>/edit")
@login_required
def contact_edit(contact_id: int):
    contact = get_contact_or_404(contact_id)
    return render_template(
        "invitations/_contact_edit.html", contact=contact, form=ContactForm(obj=contact)
    )


@bp.post("/contacts/<int:contact_id>")
@login_required
def contact_update(contact_id: int):
    """Save a contact-book entry."""
    contact = get_contact_or_404(contact_id)
    form = ContactForm()
    if form.validate_on_submit():
        save_contact(contact, contact.unit, person_data(form))
        db.session.commit()
        return render_template(
            "invitations/_contact_row.html", contact=contact, format_phone=format_phone
        )
    return render_template(
        "invitations/_contact_edit.html", contact=contact, form=form
    ), FORM_ERROR_STATUS


@bp.get("/contacts/<int:contact_id>/row")
@login_required
def contact_row(contact_id: int):
    contact = get_contact_or_404(contact_id)
    return render_template(
        "invitations/_contact_row.html", contact=contact, format_phone=format_phone
    )
