#version 330 core
// Hair cards and painted hair layers: positions and strand tangents to view space.

uniform mat4 u_view;
uniform mat4 u_projection;

in vec3 in_position;
in vec3 in_tangent;    // along the strand (not normalised)
in vec2 in_uv;         // strand atlas; v = 0 at the root
in vec4 in_colour;     // linear RGB; cards: ambient occlusion, caps: opacity

out vec3 v_position;
out vec3 v_tangent;
out vec2 v_uv;
out vec4 v_colour;

#ifdef INTERACTIVE  // lit here rather than per pixel (see hair.frag.glsl)
#include "hair_lighting.glsl"

out vec3 v_diffuse;
out vec3 v_specular;
#endif

void main() {
    vec4 view_position = u_view * vec4(in_position, 1.0);
    v_position = view_position.xyz;
    v_tangent = mat3(u_view) * in_tangent;
    v_uv = in_uv;
    v_colour = in_colour;
    gl_Position = u_projection * view_position;
#ifdef INTERACTIVE
    vec3 light;
    strand_light(v_tangent, normalize(-v_position), in_colour.rgb, column_sheen(in_uv.x), light,
                 v_specular);
    v_diffuse = in_colour.rgb * light;
#endif
}
