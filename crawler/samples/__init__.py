"""Sample portals: generator, ground truth and server (the demo and tests use them).

Four portals, one per CMS family, served under ``http://HOST:PORT/<portal-id>/``:
``sample-sp2010`` (SharePoint 2010 + Lạc Việt), ``sample-liferay62`` (Liferay 6.2
asset publisher), ``sample-liferayqb`` (Quảng Bình Liferay ``view-article``) and
``sample-wordpress``.  Modules:

- ``corpus``: the shipped sentences/place names (``sentences.txt``, ``places.json``)
  and :func:`corpus.regenerate` that extracts them from underthesea's data;
- ``texts``: government-news title/sentence templates;
- ``model``: deterministic generation (:func:`model.get_portal`);
- ``sp2010``, ``liferay62``, ``liferayqb``, ``wordpress``: one renderer per family;
  ``common`` and ``files``: shared HTML helpers and small binary files;
- ``site``: :func:`site.render` (pure GET → :class:`site.Response`), the control API;
- ``server``: the threaded HTTP server (:func:`server.start_in_thread`, :func:`server.serve`);
- ``truth``: ground truth (:func:`truth.load_truth`, :func:`truth.generate`,
  :func:`truth.edited_body`), shipped in ``truth/<portal-id>.json``.
"""
