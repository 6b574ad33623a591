# Run by cpack on the staged files, before it builds the .deb. The binary is stripped as
# dh_strip strips one (symbols, and the .comment and .note sections). The systemd units go to
# /lib/systemd/system, where Debian 12's packages ship their units, instead of
# /usr/lib/systemd/system where the install rules put them. They are taken from the source
# (CPACK_TF_SYSTEMD_DIR), which names /usr/bin/tagfailover: the staged ones name the binary
# under the tree's own prefix, /usr/local by default.
set(_tf_stage "${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
file(GLOB _tf_staged LIST_DIRECTORIES false "${_tf_stage}/usr/lib/systemd/system/*")
if(NOT _tf_staged)
    message(FATAL_ERROR "cpack-prebuild: no systemd unit staged in ${_tf_stage}/usr/lib/systemd/system")
endif()
file(MAKE_DIRECTORY "${_tf_stage}/lib/systemd/system")
foreach(_tf_unit ${_tf_staged})
    get_filename_component(_tf_name "${_tf_unit}" NAME)
    file(COPY_FILE "${CPACK_TF_SYSTEMD_DIR}/${_tf_name}" "${_tf_stage}/lib/systemd/system/${_tf_name}")
    file(REMOVE "${_tf_unit}")
endforeach()
# The directories this left empty go too: no empty directory in the package.
foreach(_tf_dir usr/lib/systemd/system usr/lib/systemd usr/lib)
    file(GLOB _tf_left "${_tf_stage}/${_tf_dir}/*")
    if(NOT _tf_left)
        file(REMOVE_RECURSE "${_tf_stage}/${_tf_dir}")
    endif()
endforeach()

execute_process(
    COMMAND "${CPACK_TF_STRIP}" --remove-section=.comment --remove-section=.note
            "${_tf_stage}/usr/bin/tagfailover"
    RESULT_VARIABLE _tf_rc)
if(NOT _tf_rc EQUAL 0)
    message(FATAL_ERROR "cpack-prebuild: strip ${_tf_stage}/usr/bin/tagfailover failed")
endif()
